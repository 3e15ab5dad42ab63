"""Evidence -> the sentences a reader reads: the best scored ones that hold
a value of the type the question asks for, grouped by source and numbered.

This is where the cost of reading is kept within what a 2-core CPU allows:
a reader (the LLM above all) sees a few sentences of a few sources, chosen
by retrieval and scoring, never whole articles.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..extract.question import Question
from ..models import Mention
from ..text.dates import find_date_values
from .interface import Candidate, Evidence, ScoredSentence, SentenceScorer, SourceCandidates
from .relevance import fits_the_time
from .stance import stance_of
from .things import fits_the_measure

MAX_SOURCES = 4
# Copies of one text (syndicated wire copy, mirrored pages) are read beside
# the sources they repeat without taking another source's place, up to this many.
MAX_ECHOES = 2
ECHO_CHARACTERS = 40  # a repeated sentence at least this long marks a copy, not a shared phrase
PER_SOURCE = 4
PER_STANCE = 2  # a yes-or-no question's sentences per source and stance
MIN_SCORE = 0.25  # below this a sentence shares too little with the question to be read
KEEP_RELATIVE = 0.6  # of the best sentence's score
SOURCE_FLOOR = 0.4  # a source's best sentence this relevant is read whatever the others score


def select(
    question: Question, evidence: Evidence, scorer: SentenceScorer, keep_relative: float = KEEP_RELATIVE
) -> list[SourceCandidates]:
    """Up to MAX_SOURCES sources (by their best sentence), each with up to
    PER_SOURCE sentences that hold a value of the asked type, numbered 1..n
    in the order the reader sees them. A claim under check keeps more
    (`keep_relative` lower): the evidence was found with the claim's own
    value in its words, which ranks the sentences that disagree lower."""
    scored = scorer.score(question, evidence)
    mentions = _mentions_by_source(evidence)
    # An amount question reads sentences with an amount of what it asks for
    # (any amount when it names no thing or unit: "how large was the attack").
    claimed = {
        (c.source_id, c.start)
        for c in evidence.claims.claims
        if c.kind == "numeric" and fits_the_measure(question, c, evidence, agreed=True)
    }
    typed = [
        s
        for s in scored
        if holds_the_type(question, _text(evidence, s), (s.source_id, s.start) in claimed, _within(mentions, s))
        and _of_the_time(question, evidence, s)
    ]
    if not typed:
        return []
    # How relevant a sentence must be is measured against the best that could
    # answer at all, not against one that merely shares the question's words.
    floor = max(MIN_SCORE, keep_relative * typed[0].score)
    chosen: dict[str, list[ScoredSentence]] = {}
    taken: dict[tuple[str, str | None], int] = {}
    for sentence in typed:
        if sentence.score < floor:
            break
        # A yes-or-no question reads each source's best sentences of each
        # stance: a denial restates the claim and ranks below it.
        quota = (sentence.source_id, _stance(question, evidence, sentence))
        if taken.get(quota, 0) >= (PER_STANCE if question.answer_type == "stance" else PER_SOURCE):
            continue
        if sentence.source_id not in chosen and not _room_for(sentence, chosen, evidence):
            continue
        chosen.setdefault(sentence.source_id, []).append(sentence)
        taken[quota] = taken.get(quota, 0) + 1
    _each_sources_best(typed, chosen, evidence)
    groups = []
    number = 0
    for source_id, sentences in chosen.items():
        source = evidence.sources[source_id]
        numbered = []
        for sentence in sorted(sentences, key=lambda s: s.start):
            number += 1
            text = source.text[sentence.start : sentence.end]
            within = tuple(_within(mentions, sentence))
            numbered.append(Candidate(number, source_id, sentence.start, sentence.end, text, sentence.score, within))
        groups.append(SourceCandidates(source=source, sentences=numbered))
    return groups


def _stance(question: Question, evidence: Evidence, sentence: ScoredSentence) -> str | None:
    if question.answer_type != "stance":
        return None
    return stance_of(_text(evidence, sentence), question.event_terms)


def _text(evidence: Evidence, sentence: ScoredSentence) -> str:
    return evidence.sources[sentence.source_id].text[sentence.start : sentence.end]


def _of_the_time(question: Question, evidence: Evidence, sentence: ScoredSentence) -> bool:
    """Reported at the question's time, or naming a date of it (a report of
    another time that names none is about another time)."""
    if fits_the_time(question, evidence.sources[sentence.source_id].published):
        return True
    return any(fits_the_time(question, date.iso) for date in find_date_values(_text(evidence, sentence)))


def _each_sources_best(
    typed: list[ScoredSentence], chosen: dict[str, list[ScoredSentence]], evidence: Evidence
) -> None:
    """A source whose best sentence ranks under the floor, set by another
    source's sentence, is still read by that sentence when it is relevant
    in itself: sources about different things that share a name (a hockey
    player and an umpire) score unlike each other, and the lower one's
    answer is an answer too."""
    for sentence in typed:
        if sentence.score < SOURCE_FLOOR:
            return
        if sentence.source_id not in chosen and _room_for(sentence, chosen, evidence):
            chosen[sentence.source_id] = [sentence]


def _room_for(sentence: ScoredSentence, chosen: dict[str, list[ScoredSentence]], evidence: Evidence) -> bool:
    """May this sentence's source be read as well? While fewer than
    MAX_SOURCES distinct sources are read, yes; beyond that only as a copy
    of one already read (its sentence repeats a chosen one), and then only
    MAX_ECHOES such copies: a copy tells the reader nothing new, and counting
    it would push out a source that says something else."""
    if len(chosen) < MAX_SOURCES:
        return True  # copies or not, there is room: skip comparing texts on the hot path
    earlier: dict[str, list[ScoredSentence]] = {}
    echoes = 0
    for source_id, sentences in chosen.items():
        echoes += _repeats(sentences[0], earlier, evidence)  # a copy of a source read before it
        earlier[source_id] = sentences
    if len(chosen) - echoes < MAX_SOURCES:
        return True
    return echoes < MAX_ECHOES and _repeats(sentence, chosen, evidence)


def _repeats(sentence: ScoredSentence, chosen: dict[str, list[ScoredSentence]], evidence: Evidence) -> bool:
    """Does the sentence share a long run of words with one chosen from
    another source (a copy, however each page frames it: "Early life [edit]
    X was born ..." and "X was born ..., England")?"""
    own = _plain(_text(evidence, sentence))
    if len(own) < ECHO_CHARACTERS:
        return False
    for source_id, sentences in chosen.items():
        if source_id == sentence.source_id:
            continue
        for other in sentences:
            text = _plain(_text(evidence, other))
            shared = SequenceMatcher(None, own, text, autojunk=False).find_longest_match(0, len(own), 0, len(text))
            if shared.size >= ECHO_CHARACTERS:
                return True
    return False


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def holds_the_type(question: Question, text: str, has_amount: bool, mentions: list[Mention]) -> bool:
    """Could this sentence give an answer of the asked type at all?"""
    kind = question.answer_type
    if kind == "amount":
        return has_amount
    if kind == "date":
        return bool(find_date_values(text)) or any(m.kind == "date" for m in mentions)
    if kind == "stance":
        return stance_of(text, question.event_terms) is not None
    if kind in ("person", "organisation", "place"):
        # People and organisations are told apart unreliably by a small model.
        wanted = {"person", "organisation", "group"} if kind != "place" else {"place"}
        if mentions:
            return any(m.kind in wanted for m in mentions)
        return any(word[:1].isupper() for word in text.split()[1:])
    return True


def _mentions_by_source(evidence: Evidence) -> dict[str, list[Mention]]:
    found: dict[str, dict[tuple[int, int], Mention]] = {}
    for passage in evidence.passages:
        for mention in passage.mentions:
            found.setdefault(passage.source_id, {})[(mention.start, mention.end)] = mention
    return {source_id: list(by_span.values()) for source_id, by_span in found.items()}


def _within(mentions: dict[str, list[Mention]], sentence: ScoredSentence) -> list[Mention]:
    return [m for m in mentions.get(sentence.source_id, []) if sentence.start <= m.start and m.end <= sentence.end]
