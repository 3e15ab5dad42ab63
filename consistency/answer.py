"""Passages and claims -> answer: the sentences that answer, each cited by
its exact span, the claims that fit the question, and their conflicts.

Extractive: every statement in the answer is a sentence of a source, quoted
verbatim and checked against the stored source text before it is shown.
When no sentence answers well enough the answer abstains (`not_found`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

import numpy as np

from .chunk import sentence_spans
from .claims import is_instruction
from .conflicts import ClaimSet, Disagreement, different_event, find_conflicts, varying_estimates
from .cite import Citations
from .models import Answer, Conflict, Passage, Source, StatedClaim
from .quantities import Focus
from .retrieve import LexicalIndex, terms
from .validate import split_sentences

# A sentence answers when it means much the same as the question (MiniLM
# cosine of the two) and holds enough of its information (idf-weighted
# terms). Calibrated on the dev half of eval/gold.jsonl and tests/test_ask.py;
# judged on the held-out half (`consistency eval`).
MIN_SIMILARITY = 0.45
MIN_SCORE = 0.4
FULL_COVERAGE = 0.85  # a long sentence holding all the question's terms answers however diluted its meaning
KEEP_RELATIVE = 0.75  # keep sentences scoring within 75% of the best
MAX_SENTENCES = 4
RELEVANT_SCORE = 0.4  # a sentence this relevant may hold claims that answer
CONTEXT_WEIGHT = 0.5
EVENT_COVERAGE = 0.25  # of what the question says about the event, outside the count itself
MAX_SCORED = 120  # sentences embedded per question (top_k passages hold fewer)

_YEAR = re.compile(r"(19|20)\d\d")
NOT_FOUND_TEXT = "The stored sources do not answer this question."
_QUANTITY_QUESTION = re.compile(r"\b(how (many|much|far|long|large|big)|number of|amount of|what (percentage|share))\b", re.I)
# Asks for a date or a year: the answering sentence must hold a number.
_WHEN_QUESTION = re.compile(r"^\s*(when|in what year|what year|in which year)\b|\b(what|which) (year|date)\b", re.I)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_one(self, text: str) -> np.ndarray: ...


@dataclass
class ScoredSentence:
    source_id: str
    start: int
    end: int
    coverage: float
    similarity: float

    @property
    def score(self) -> float:
        return 0.5 * self.coverage + 0.5 * self.similarity


def answer_question(
    question: str,
    passages: list[Passage],
    sources: dict[str, Source],
    lexical: LexicalIndex,
    claim_set: ClaimSet,
    embedder: Embedder,
) -> Answer:
    scored = score_sentences(question, passages, sources, lexical, embedder)
    if not scored or not _answers(scored[0]):
        return _not_found(question)
    focus = Focus(question)
    matching = matching_claims(scored, claim_set, focus) if focus else []
    if not _count_is_stated(question, focus, scored, claim_set, sources, lexical):
        return _not_found(question)
    disagreements = find_conflicts(claim_set, combinations(matching, 2))
    chosen = _same_event_only(_choose(scored), matching)
    citations = Citations(chosen + conflict_sentences(disagreements, chosen), sources)
    if not citations.list:
        return _not_found(question)
    conflicts = [citations.conflict(d) for d in disagreements if citations.covers(d)]
    varying = [] if conflicts else [c for c in varying_estimates(matching, claim_set) if citations.id_of(c)]
    facts = facts_paragraphs(citations, conflicts, varying)
    return Answer(
        question=question,
        status="conflict" if conflicts else "answered",
        answer="\n\n".join([quoted_sentences(citations), *facts]),
        facts_text="\n\n".join(facts),
        citations=citations.list,
        claims=[citations.claim(c) for c in matching if citations.id_of(c)],
        conflicts=conflicts,
    )


def _count_is_stated(
    question: str, focus: Focus, scored: list[ScoredSentence], claim_set: ClaimSet, sources: dict[str, Source], lexical: LexicalIndex
) -> bool:
    """A question asking to count something is answered only by a relevant
    sentence that counts it, in the role and for the event asked: the
    sentences may be on topic while none holds the count (the record
    attack's size is known, the number shot down is not)."""
    if not (_QUANTITY_QUESTION.search(question) and (focus.counted or focus.role)):
        return True
    return any(focus.answered_by(c) and about_the_event(focus, c, sources, lexical) for c in relevant_claims(scored, claim_set))


def _not_found(question: str) -> Answer:
    return Answer(question=question, status="not_found", answer=NOT_FOUND_TEXT)


def about_the_event(focus: Focus, claim: StatedClaim, sources: dict[str, Source], lexical: LexicalIndex, ignore_numbers: bool = False) -> bool:
    """Does the claim's sentence (or the one before it) say what the
    question says about the event? 48 drones shot down on Tuesday do not
    answer how many were shot down in the record attack. A claim under
    check (`ignore_numbers`) ignores its own figures and roles, which are
    what is checked, but not its years."""
    described = focus.scene_text if ignore_numbers else focus.event_text
    weights = {t: lexical.idf(t) for t in set(terms(described)) if not (ignore_numbers and t[:1].isdigit() and not _YEAR.fullmatch(t))}
    total = sum(weights.values())
    source = sources.get(claim.source_id)
    if len(weights) < 2 or source is None:
        return True  # the question hardly describes an event ("did Russia repel")
    present = set(terms(claim.sentence))
    context = _terms_before(source.text, claim.start) - present
    covered = sum(w for t, w in weights.items() if t in present) + CONTEXT_WEIGHT * sum(w for t, w in weights.items() if t in context)
    return covered / total >= EVENT_COVERAGE


def relevant_claims(scored: list[ScoredSentence], claim_set: ClaimSet) -> list[StatedClaim]:
    relevant = {(s.source_id, s.start) for s in scored if s.score >= RELEVANT_SCORE}
    return [c for c in claim_set.claims if (c.source_id, c.start) in relevant]


def matching_claims(scored: list[ScoredSentence], claim_set: ClaimSet, focus: Focus) -> list[StatedClaim]:
    """Claims that fit what the question asks, in sentences relevant to it."""
    return [c for c in relevant_claims(scored, claim_set) if focus.matches(c)]


def _same_event_only(chosen: list[ScoredSentence], matching: list[StatedClaim]) -> list[ScoredSentence]:
    """Drop answer sentences whose fitting claims are all about another event
    than the best sentence's (the 48-drone attack of 2024 is not the record
    attack of 2025)."""
    by_sentence: dict[tuple[str, int], list[StatedClaim]] = {}
    for claim in matching:
        by_sentence.setdefault((claim.source_id, claim.start), []).append(claim)
    anchors = next((by_sentence[(s.source_id, s.start)] for s in chosen if (s.source_id, s.start) in by_sentence), [])
    if not anchors:
        return chosen
    return [
        sentence
        for sentence in chosen
        if not (claims := by_sentence.get((sentence.source_id, sentence.start)))
        or any(not different_event(a, c) for a in anchors for c in claims)
    ]


def conflict_sentences(disagreements: list[Disagreement], chosen: list[ScoredSentence]) -> list[ScoredSentence]:
    """Every side of a conflict is cited, even if its sentence ranked lower."""
    have = {(s.source_id, s.start) for s in chosen}
    extra = []
    for claim in (c for d in disagreements for c in d.claims):
        if (claim.source_id, claim.start) not in have:
            have.add((claim.source_id, claim.start))
            extra.append(ScoredSentence(claim.source_id, claim.start, claim.end, 0.0, 0.0))
    return extra


def quoted_sentences(citations: Citations) -> str:
    """The extractive answer: the cited sentences, each with its [n]."""
    return " ".join(f"{c.quote} [{c.id}]" for c in citations.list)


def sides_text(conflict: Conflict, joiner: str = " vs ") -> str:
    """"500 drones and missiles [1] vs 539 drones + 11 missiles = 550 [2]"."""
    return joiner.join(f"{side.value} {''.join(f'[{n}]' for n in side.citations)}" for side in conflict.sides)


def cited_explanation(conflict: Conflict) -> str:
    """The explanation with every sentence citing the sides it is computed
    from, so that no statement of the answer stands without a source."""
    markers = "".join(f"[{n}]" for n in sorted({n for side in conflict.sides for n in side.citations}))
    if not markers:
        return conflict.explanation
    return " ".join(f"{sentence[:-1]} {markers}." if sentence.endswith(".") else f"{sentence} {markers}" for sentence in split_sentences(conflict.explanation))


def facts_paragraphs(citations: Citations, conflicts: list[Conflict], varying: list[StatedClaim]) -> list[str]:
    """Each conflict (or the spread of estimates) in plain words, written
    by code: whatever writes the answer above them, these stay."""
    paragraphs = []
    for conflict in conflicts:
        explanation = cited_explanation(conflict)
        paragraphs.append(f"The sources disagree ({conflict.severity} {conflict.kind} conflict): {sides_text(conflict)}. {explanation}")
    if varying:
        figures = ", ".join(f"{c.quantity.text} [{citations.id_of(c)}]" for c in varying)
        paragraphs.append(f"Estimates vary but do not contradict one another: {figures}.")
    return paragraphs


def score_sentences(
    question: str, passages: list[Passage], sources: dict[str, Source], lexical: LexicalIndex, embedder: Embedder, ignore_numbers: bool = False
) -> list[ScoredSentence]:
    """Every sentence of the passages, best first. Coverage is the share of
    the question's information (idf-weighted terms) that the sentence holds;
    similarity is how close the two are in meaning, which finds the answer
    worded differently ("freed and sent home" for "release ... returned").
    A claim under check ignores its own numbers: they are compared by code,
    and a wrong figure must still find the sentence that contradicts it."""
    weights = {t: lexical.idf(t) for t in set(terms(question)) if not (ignore_numbers and t[:1].isdigit())}
    total = sum(weights.values()) or 1.0
    wants_number = bool(_QUANTITY_QUESTION.search(question) or _WHEN_QUESTION.search(question))
    found: list[tuple[str, int, int, float]] = []
    texts: list[str] = []
    seen: set[tuple[str, int]] = set()
    for passage in passages:
        source = sources.get(passage.source_id)
        if source is None:
            continue
        previous = _terms_before(source.text, passage.start)
        for start, end in sentence_spans(source.text, passage.start, passage.end):
            sentence = source.text[start:end]
            present = set(terms(sentence))
            context, previous = previous - present, present
            if (source.id, start) in seen or (wants_number and not _NUMBER.search(sentence)) or is_instruction(sentence):
                continue
            seen.add((source.id, start))
            # A fact often leans on the sentence before it ("...in retaliation
            # for the Kerch Bridge attack. ...84 cruise missiles..."): words
            # found only there count half.
            covered = sum(w for t, w in weights.items() if t in present)
            covered += CONTEXT_WEIGHT * sum(w for t, w in weights.items() if t in context)
            found.append((source.id, start, end, covered / total))
            texts.append(sentence)
    if not found:
        return []
    found, texts = found[:MAX_SCORED], texts[:MAX_SCORED]
    similarities = embedder.embed(texts) @ embedder.embed_one(question)
    scored = [ScoredSentence(*f, float(similarity)) for f, similarity in zip(found, similarities)]
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _terms_before(text: str, start: int) -> set[str]:
    """Terms of the sentence just before `start` (news paragraphs are often
    one sentence, so the context may sit in the paragraph before)."""
    spans = sentence_spans(text, max(0, start - 600), start)
    return set(terms(text[spans[-1][0] : spans[-1][1]])) if spans else set()


def _answers(sentence: ScoredSentence) -> bool:
    close = sentence.similarity >= MIN_SIMILARITY or sentence.coverage >= FULL_COVERAGE
    return close and sentence.score >= MIN_SCORE


def _choose(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """The answering sentences, each source's best first: when sources
    differ, each one's version is shown before any source is quoted twice."""
    best = scored[0].score
    eligible = [s for s in scored if _answers(s) and s.score >= KEEP_RELATIVE * best]
    firsts, rest, seen = [], [], set()
    for sentence in eligible:
        (rest if sentence.source_id in seen else firsts).append(sentence)
        seen.add(sentence.source_id)
    return (firsts + rest)[:MAX_SENTENCES]
