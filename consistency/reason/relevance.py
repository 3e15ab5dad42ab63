"""Which stored claims answer a question: those in sentences relevant to
it, that count what it asks, for the event it describes.
"""

from __future__ import annotations

import re

from ..extract.question import Question
from ..models import StatedClaim
from ..text.terms import terms
from .interface import ClaimSet, Evidence, ScoredSentence
from .scoring import CONTEXT_WEIGHT, terms_before

RELEVANT_SCORE = 0.4  # a sentence this relevant may hold claims that answer
EVENT_COVERAGE = 0.25  # of what the question says about the event, outside the count itself
_YEAR = re.compile(r"(19|20)\d\d")


def relevant_claims(scored: list[ScoredSentence], claim_set: ClaimSet) -> list[StatedClaim]:
    relevant = {(s.source_id, s.start) for s in scored if s.score >= RELEVANT_SCORE}
    return [c for c in claim_set.claims if (c.source_id, c.start) in relevant]


def matching_claims(scored: list[ScoredSentence], claim_set: ClaimSet, question: Question) -> list[StatedClaim]:
    """Claims that fit what the question asks, in sentences relevant to it."""
    return [c for c in relevant_claims(scored, claim_set) if question.matches(c)]


def about_the_event(question: Question, claim: StatedClaim, evidence: Evidence, ignore_numbers: bool = False) -> bool:
    """Does the claim's sentence (or the one before it) say what the
    question says about the event? 48 drones shot down on Tuesday do not
    answer how many were shot down in the record attack. A claim under
    check (`ignore_numbers`) ignores its own figures and roles, which are
    what is checked, but not its years."""
    described = question.scene_text if ignore_numbers else question.event_text
    lexical = evidence.lexical
    weights = {
        t: lexical.idf(t)
        for t in set(terms(described))
        if not (ignore_numbers and t[:1].isdigit() and not _YEAR.fullmatch(t))
    }
    total = sum(weights.values())
    source = evidence.sources.get(claim.source_id)
    if len(weights) < 2 or source is None:
        return True  # the question hardly describes an event ("did Russia repel")
    present = set(terms(claim.sentence))
    context = terms_before(source.text, claim.start) - present
    covered = sum(w for t, w in weights.items() if t in present) + CONTEXT_WEIGHT * sum(
        w for t, w in weights.items() if t in context
    )
    return covered / total >= EVENT_COVERAGE
