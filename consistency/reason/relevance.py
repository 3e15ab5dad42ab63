"""Which stored claims answer a question: those in sentences relevant to
it, that count what it asks, for the event it describes.
"""

from __future__ import annotations

import re

from ..extract.quantities import find_quantities
from ..extract.question import Question
from ..models import Source, StatedClaim
from ..text.countries import article_terms_and_countries, terms_and_countries
from ..text.dates import MONTH_WORDS, date_bounds, day_number
from ..text.lexicon import INSTRUCTION
from ..text.sentences import sentence_before, sentence_spans
from ..text.terms import terms
from .interface import ClaimSet, Evidence, ScoredSentence
from .scoring import CONTEXT_WEIGHT, weighted_terms

RELEVANT_SCORE = 0.4  # a sentence this relevant may hold claims that answer
EVENT_COVERAGE = 0.25  # of what the question says about the event, outside the count itself
_YEAR = re.compile(r"(19|20)\d\d")


def relevant_claims(scored: list[ScoredSentence], claim_set: ClaimSet) -> list[StatedClaim]:
    relevant = {(s.source_id, s.start) for s in scored if s.score >= RELEVANT_SCORE}
    return [c for c in claim_set.claims if (c.source_id, c.start) in relevant]


def matching_claims(scored: list[ScoredSentence], claim_set: ClaimSet, question: Question) -> list[StatedClaim]:
    """Claims that fit what the question asks, in sentences relevant to it."""
    return [c for c in relevant_claims(scored, claim_set) if question.matches(c)]


ARTICLE_WEIGHT = 0.25  # a term found only elsewhere in the article counts a quarter
ANCHOR_COVERAGE = 0.6  # the question's event is named this well by its best sentence


def about_the_event(question: Question, claim: StatedClaim, evidence: Evidence, ignore_numbers: bool = False) -> bool:
    """Does the claim's sentence (its neighbour, its article's title and, a
    little, the rest of its article) say what the question says about the
    event? 48 drones shot down on a Tuesday do not answer how many were shot
    down in the record attack. A claim under check (`ignore_numbers`) ignores
    its own figures and roles, which are what is checked, but not its years.
    A figure reported at another time than the sentence that best names the
    question's event (the anchor), and that names the event much less well,
    is about another event; unless a running total is asked ("since the
    invasion"), which every report restates at its own date."""
    weights = event_weights(question, evidence, ignore_numbers)
    source = evidence.sources.get(claim.source_id)
    if len(weights) < 2 or source is None:
        return True  # the question hardly describes an event ("did the army repel")
    coverage = event_coverage(weights, claim.sentence, claim.start, source)
    if coverage < EVENT_COVERAGE:
        return False
    key = ("anchor", question.text, ignore_numbers)
    if key not in evidence.memo:
        evidence.memo[key] = event_anchor(question, evidence, ignore_numbers)
    anchor = evidence.memo[key]
    assert anchor is None or isinstance(anchor, tuple)
    if anchor is None or anchor[1] < ANCHOR_COVERAGE or coverage >= 0.5 * anchor[1] or question.running_total:
        return True
    return fits_the_time(question.model_copy(update={"dates": [anchor[0]]}), source.published)


def event_weights(question: Question, evidence: Evidence, ignore_numbers: bool = False) -> dict[str, float]:
    described = question.scene_text if ignore_numbers else question.event_text
    if question.dates:
        # The time the question names is checked as a time (fits_the_time),
        # not as words a sentence must repeat.
        described = re.sub(rf"\b(?:{MONTH_WORDS}|(?:1[89]|20)\d\d)\b", " ", described, flags=re.I)
    counted: set[str] = set()
    if ignore_numbers:
        # A claim's own counted things are what is checked, like its figures.
        counted = {t for q in find_quantities(question.text) for thing in q.things for t in terms(thing)}
    return {
        t: w
        for t, w in weighted_terms(described, evidence.lexical).items()
        if t not in counted and not (ignore_numbers and t[:1].isdigit() and not _YEAR.fullmatch(t))
    }


def event_coverage(weights: dict[str, float], sentence: str, start: int, source: Source) -> float:
    total = sum(weights.values()) or 1.0
    present = terms_and_countries(sentence)
    before = sentence_before(source.text, start)
    nearby = (terms_and_countries(before) | terms_and_countries(source.title)) - present
    article = article_terms_and_countries(source.text) - present - nearby
    covered = sum(w for t, w in weights.items() if t in present)
    covered += CONTEXT_WEIGHT * sum(w for t, w in weights.items() if t in nearby)
    covered += ARTICLE_WEIGHT * sum(w for t, w in weights.items() if t in article)
    return covered / total


def event_anchor(question: Question, evidence: Evidence, ignore_numbers: bool = False) -> tuple[str, float] | None:
    """The publication date of the evidence sentence that best names the
    question's event, and how well it does."""
    weights = event_weights(question, evidence, ignore_numbers)
    best: tuple[str, float] | None = None
    for passage in evidence.passages:
        source = evidence.sources.get(passage.source_id)
        if source is None or not source.published:
            continue
        for start, end in sentence_spans(source.text, passage.start, passage.end):
            if INSTRUCTION.search(source.text[start:end]):
                continue  # text addressed to a model names no event
            coverage = event_coverage(weights, source.text[start:end], start, source)
            if best is None or coverage > best[1]:
                best = (source.published, coverage)
    return best


TIME_SLACK_DAYS = 31


def fits_the_time(question: Question, published: str | None, event_date: str | None = None) -> bool:
    """Is a report of this date (or an event on this date) about the time the
    question names ("in October 2022")? Undated reports and questions that
    name no time always fit."""
    when = event_date or published
    if not question.dates or not when:
        return True
    low, high = date_bounds(when)
    if not low:
        return True
    for asked in question.dates:
        asked_low, asked_high = date_bounds(asked)
        if (
            day_number(low) - day_number(asked_high) <= TIME_SLACK_DAYS
            and day_number(asked_low) - day_number(high) <= TIME_SLACK_DAYS
        ):
            return True
    return False


def fits_the_place(question: Question, claim: StatedClaim, source: Source) -> bool:
    """When the question names a place ("in X"), a figure whose sentence puts
    its event in other places only, and whose article's title names none of
    the question's, is about somewhere else."""
    if not question.places or not claim.places:
        return True
    named = set(question.places)
    if named & set(claim.places):
        return True
    title = source.title.lower()
    return any(place in title for place in named)
