"""A reader's readings -> the ones code can stand behind, as typed claims.

A reading names sentences and gives an answer "as written there". Code
keeps it only if every sentence it names was put before the reader for
that source, every number, date and name of the answer is in those
sentences, its words are theirs, and it is an answer of the type asked: an
amount of what the question counts (in the role asked, for the event asked),
a date, a name, or a short description. What passes becomes claims that
`reason/decide.py` compares; what fails is dropped and its reason kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..extract.claims import claim_id, find_claimant, find_places, nearest_claimant
from ..extract.grammar import modifies_a_noun
from ..extract.question import Question
from ..models import ClaimKind, Source, StatedClaim
from ..text.countries import countries_meant, country_spans, is_demonym
from ..text.dates import dates_by_nearness, find_date_values, find_event_date, period_spans
from ..text.lexicon import SAYING, singular
from ..text.names import is_list, name_key, name_tokens
from ..text.numbers import number_mentions
from ..text.sentences import sentence_before
from ..text.terms import terms
from .interface import Candidate, Evidence, Reading
from .relevance import about_the_event, event_coverage, event_weights, fits_the_place, fits_the_time
from .stance import stance_of
from .things import fits_the_measure

WORD_SUPPORT = 0.8  # of the answer's content words must be in the cited sentences
MAX_VALUE_WORDS = 12  # a longer answer is prose: shown, never compared


@dataclass
class Verified:
    """A reading that passed, with the claims it makes (amounts: the stored
    claims of its sentences that it states; otherwise one claim per value)."""

    reading: Reading
    sentences: list[Candidate]
    kind: str  # amount | date | name | text | stance
    claims: list[StatedClaim] = field(default_factory=list)
    comparable: bool = True  # a list or a long description is shown but not compared


def verify(question: Question, reading: Reading, offered: dict[int, Candidate], evidence: Evidence) -> Verified | str:
    """The verified reading, or why it was dropped (one line)."""
    source = evidence.sources.get(reading.source_id)
    if source is None or not reading.numbers:
        return "names no sentence"
    sentences = []
    for number in reading.numbers:
        sentence = offered.get(number)
        if sentence is None or sentence.source_id != reading.source_id:
            return f"cites sentence {number}, which was not offered for this source"
        sentences.append(sentence)
    answer = reading.answer.strip()
    if question.answer_type not in ("amount", "stance"):
        answer = without_the_question(answer, question)
        reading = replace(reading, answer=answer)
    cited = " ".join(s.text for s in sentences)
    if not answer:
        return "gives no answer"
    # A stance is read off the cited sentence by code, so a bare "yes" need
    # not be the sentence's words; nor need an amount, whose figures are the
    # stored ones its numbers point at. Names and numbers must still be there.
    problem = _ungrounded(answer, cited, words=question.answer_type not in ("stance", "amount"))
    if problem:
        return problem
    if question.answer_type == "amount":
        verified = _amount(question, reading, sentences, evidence)
        if isinstance(verified, Verified) and not copied(answer, sentences):
            # A reader's own wording of a figure ("purification plants" where
            # the source says "water-treatment units", or "10,000 to 12,000"
            # joined from two sentences) is shown as the sources write it.
            verified.reading = replace(reading, answer=as_written(verified.claims))
        return verified
    if not names_the_subject(question, sentences[0], source):
        return "its sentence is not about what the question names"
    if question.answer_type == "date":
        return _dated(question, reading, sentences, source)
    if question.answer_type == "stance":
        return _stance(question, reading, sentences, evidence)
    return _named(question, reading, sentences, source)


def without_the_question(answer: str, question: Question) -> str:
    """The answer without the question restated in front of it: a model
    asked "What sport is X associated with?" often replies "X associated
    with baseball", whose first words are the question's, not its
    sentence's. What follows them is the answer; an answer that is all
    question words is left whole (it fails on its own)."""
    asked = {word.lower() for word in _WORDS.findall(question.text)}
    words = list(_WORDS.finditer(answer))
    for index, word in enumerate(words):
        if word.group().lower() not in asked:
            return answer[word.start() :].strip() if index else answer
    return answer


_WORDS = re.compile(r"[\w’'-]+")


def _ungrounded(answer: str, cited: str, words: bool = True) -> str | None:
    stated = number_mentions(cited)
    for forms in number_mentions(answer):
        if not any(forms & other for other in stated):
            return f"states {min(forms):g}, which its sentences do not"
    folded = cited.lower().replace("’", "'")
    for name in re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+", answer):
        if name.lower().replace("’", "'") not in folded:
            return f"names {name!r}, which its sentences do not"
    wanted = set(terms(answer))
    if words and wanted and len(wanted & set(terms(cited))) / len(wanted) < WORD_SUPPORT:
        return "words its answer otherwise than its sentences"
    return None


def as_written(claims: list[StatedClaim]) -> str:
    """Figures as their sources write them ("12,000 people; 4,000 people")."""
    return "; ".join(dict.fromkeys(c.amount.text for c in claims))


def copied(answer: str, sentences: list[Candidate]) -> bool:
    """Is the answer written word for word in one of the cited sentences?"""

    def fold(text: str) -> str:
        return " ".join(text.lower().replace("’", "'").split()).strip(" .")

    return any(fold(answer) in fold(s.text) for s in sentences)


def _amount(question: Question, reading: Reading, sentences: list[Candidate], evidence: Evidence) -> Verified | str:
    """The stored amounts of the cited sentences that the answer states and
    that count what the question asks, about the event it asks."""
    answer_numbers = number_mentions(reading.answer)
    if not answer_numbers:
        return "gives no amount"
    spans = {(s.source_id, s.start) for s in sentences}
    stated = [
        c
        for c in evidence.claims.claims
        if (c.source_id, c.start) in spans
        and c.kind == "numeric"
        and any(forms & other for forms in number_mentions(c.amount.text) for other in answer_numbers)
    ]
    if not stated:
        return "states no amount the sentences are read to state"
    agreed = reading.reader == "llm"
    fitting = [c for c in stated if fits_the_measure(question, c, evidence, agreed)]
    if not fitting:
        return "its amount does not count what the question asks"
    source = evidence.sources[reading.source_id]
    on_event = [c for c in fitting if about_the_event(question, c, evidence)]
    if not on_event:
        return "its sentences are about another event than the question's"
    on_event = [c for c in on_event if fits_the_place(question, c, source)]
    if not on_event:
        return "its figures are about another place than the question's"
    on_event = [c for c in on_event if fits_the_time(question, c.published, c.event_date)]
    if not on_event:
        return "its figures are about another time than the question's"
    on_event = nearest_to_the_subject(question, on_event, evidence)
    return Verified(reading=reading, sentences=sentences, kind="amount", claims=on_event)


def nearest_to_the_subject(question: Question, claims: list[StatedClaim], evidence: Evidence) -> list[StatedClaim]:
    """One sentence may give the same measure for several things ("€118
    billion from Europe, surpassing the €85 billion provided by Norland"):
    keep the figures nearest the rarest name the question gives, however
    the sentence writes it (a country by its name, people or capital)."""
    if len(claims) < 2 or len({(c.amount.unit, tuple(c.amount.things)) for c in claims}) > 1:
        return claims
    sentence = claims[0].sentence
    named = [spans for name in question.names if (spans := _written_at(name, sentence))]
    if not named:
        return claims

    def rarity(spans: list[tuple[int, int]]) -> float:
        start, end = spans[0]
        return max((evidence.lexical.idf(t) for t in terms(sentence[start:end])), default=0.0)

    rarest = max(named, key=rarity)

    def distance(claim: StatedClaim) -> int:
        start, end = claim.amount.start - claim.start, claim.amount.end - claim.start
        return min(min(abs(a - end), abs(b - start)) for a, b in rarest)

    nearest = min(distance(c) for c in claims)
    return [c for c in claims if distance(c) <= nearest + 20]


def _written_at(name: str, sentence: str) -> list[tuple[int, int]]:
    """Where the sentence names what `name` names: the name itself, or the
    country it stands for however written."""
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(name.lower()), sentence.lower())]
    if found:
        return found
    countries = countries_meant(name)
    return [(start, end) for start, end, country in country_spans(sentence) if country in countries]


def names_the_subject(question: Question, sentence: Candidate, source: Source) -> bool:
    """A name, date or description answers only a sentence about what the
    question names: at least half of the question's names are in the
    sentence, the one before it or the article's title ("What is the capital
    of France?" is not answered by a sentence about European capitals)."""
    names = set(question.names)
    if not names:
        return True
    context = " ".join([sentence.text, source.title, source.outlet or "", sentence_before(source.text, sentence.start)])
    words = set(terms(context))
    found = sum(1 for n in names if _name_in(n, words, context))
    return found * 2 >= len(names)


def _name_in(name: str, words: set[str], context: str) -> bool:
    """Every word of the name is there, or a full name is there by its last
    word, capitalised ("Larry Gilbert" ... "Gilbert was inducted"), the way
    writing shortens a name after first use."""
    wanted = set(terms(name))
    if wanted and all(named_in(w, words) for w in wanted):
        return True
    parts = name.split()
    return len(parts) > 1 and re.search(rf"\b{re.escape(parts[-1])}\b", context) is not None


def named_in(word: str, words: set[str]) -> bool:
    """A name's word is there as a word ("US" is not in "discussed"), or,
    from four letters on, as the stem of one ("Canadian", "Canada's")."""
    if word in words:
        return True
    return len(word) >= 4 and any(len(w) >= 4 and (w.startswith(word) or word.startswith(w)) for w in words)


ATTACHED = 30  # characters between a date and the word of the event it is written beside


def _dated(question: Question, reading: Reading, sentences: list[Candidate], source: Source) -> Verified | str:
    attached = _attached_date(question, reading, sentences)
    if attached is not None:
        reading = replace(reading, answer=attached)
    dates = find_date_values(reading.answer)
    if not dates:
        return "gives no date"
    sentence = sentences[0]
    # The date as written ("February 19, 1873"), compared by its value.
    written = dict.fromkeys(reading.answer[start:end] for _, start, end in period_spans(reading.answer))
    claims = [_value_claim(source, sentence, "date", "date", date, reading.answer) for date in written]
    return Verified(reading=reading, sentences=sentences, kind="date", claims=claims)


def _attached_date(question: Question, reading: Reading, sentences: list[Candidate]) -> str | None:
    """The date a cited sentence writes beside the asked event ("born in
    1975"), when the reading gives one the sentence ties to something else
    ("made 28 appearances during the 1993-94 campaign"): code reads which
    date is whose, the model only which sentence answers."""
    named = {t for name in question.names for t in terms(name)}
    asked = set(terms(question.event_text)) - named
    near = [(date, sentence) for sentence in sentences for date in dates_by_nearness(sentence.text, asked)]
    if not asked or not near:
        return None
    given = find_date_values(reading.answer)
    if any(date.date in given for date, _ in near if date.distance <= ATTACHED):
        return None
    best, sentence = min(near, key=lambda pair: pair[0].distance)
    return sentence.text[best.start : best.end] if best.distance <= ATTACHED else None


STANCE_COVERAGE = 0.4  # of what a yes-or-no question asks, weighted by rarity: its sentence is about it


def _stance(question: Question, reading: Reading, sentences: list[Candidate], evidence: Evidence) -> Verified | str:
    """A yes-or-no question's answer, read by code off the cited sentence
    that best states what the question asks: "yes" if it asserts it, "no"
    if it denies it (reason/stance.py)."""
    source = evidence.sources[reading.source_id]
    weights = event_weights(question, evidence)
    coverage = {s.number: event_coverage(weights, s.text, s.start, source) for s in sentences}
    best = max(sentences, key=lambda s: coverage[s.number])
    if weights and coverage[best.number] < STANCE_COVERAGE:
        return "its sentences do not state what the question asks"
    stance = stance_of(best.text, question.event_terms)
    if stance is None:
        return "its sentence neither asserts nor denies what the question asks"
    measure = question.text.strip().rstrip("?").strip()
    claim = _value_claim(source, best, "qualitative", measure, stance, best.text)
    return Verified(reading=reading, sentences=[best], kind="stance", claims=[claim])


def _named(question: Question, reading: Reading, sentences: list[Candidate], source: Source) -> Verified | str:
    answer = reading.answer.strip().rstrip(".")
    wants_name = question.answer_type in ("person", "organisation", "place")
    if wants_name and not re.search(r"\b[A-Z0-9][\w’'-]*", answer):
        return "gives no name"
    if wants_name and _a_descriptor(answer, sentences):
        return f"gives {answer!r}, which describes a noun of its sentence rather than naming anyone"
    if wants_name and _only_in_compounds(answer, sentences):
        return f"gives {answer!r}, which its sentence uses only inside a compound word ('{answer}-winning')"
    kind: ClaimKind = "entity" if wants_name else "qualitative"
    value = re.sub(r"^(?:an?|the)\s+", "", answer, flags=re.I)
    if question.head and [singular(w) for w in name_tokens(value)] == [question.head]:
        return f"names no kind of {question.head}"  # "missile", asked what kind of missile
    comparable = len(value.split()) <= MAX_VALUE_WORDS and not is_list(value)
    measure = question.head or question.answer_type
    claim = _value_claim(source, sentences[0], kind, measure, value, reading.answer)
    kind_name = "name" if wants_name else "text"
    return Verified(reading=reading, sentences=sentences, kind=kind_name, claims=[claim], comparable=comparable)


def _a_descriptor(answer: str, sentences: list[Candidate]) -> bool:
    """A nationality or people used as an adjective ("Kenyan" of "Kenyan
    men") says what someone is; it is no person, place or organisation."""
    key = name_key(answer)
    if not is_demonym(key):
        return False  # spaCy's small model takes band and party names for peoples too
    for sentence in sentences:
        for mention in sentence.mentions:
            if mention.kind == "group" and mention.key == key:
                end = mention.end - sentence.start
                possessive = re.match(r"[’']s\b", sentence.text[end : end + 2])
                if not possessive and modifies_a_noun(sentence.text, end):
                    return True
    return False


def _only_in_compounds(answer: str, sentences: list[Candidate]) -> bool:
    """ "Oscar-winning", "Nobel-prize": a name joined to a word by a hyphen
    qualifies that word; it answers no "who" or "where"."""
    found = [m for s in sentences for m in re.finditer(rf"(?<![\w-]){re.escape(answer)}(?![\w’'])", s.text)]
    return bool(found) and all(re.match(r"-[A-Za-z]", m.string[m.end() : m.end() + 2]) for m in found)


def _claimant(sentence: str, offset: int) -> str | None:
    """Who gives the value: the sentence's claimant, or, where it attributes
    several ("A described it as X, but B as Y"), the name nearest before it."""
    if offset and len(re.findall(rf"\b(?:{SAYING}|clarified|called|labelled|identified)\b", sentence)) > 1:
        return nearest_claimant(sentence, offset) or find_claimant(sentence)
    return find_claimant(sentence)


def _value_claim(
    source: Source, sentence: Candidate, kind: ClaimKind, measure: str, value: str, answer: str
) -> StatedClaim:
    """A claim that `sentence` gives `value` (a date, a name, a class)."""
    offset = max(sentence.text.find(answer.strip()), 0)
    return StatedClaim(
        id=claim_id(source, sentence.start, offset, f"{measure}={value}"),
        source_id=source.id,
        title=source.title,
        published=source.published,
        start=sentence.start,
        end=sentence.end,
        sentence=sentence.text,
        kind=kind,
        measure=measure,
        category=value,
        claimant=_claimant(sentence.text, offset),
        event_date=find_event_date(sentence.text),
        places=sorted(find_places(sentence.text)),
    )
