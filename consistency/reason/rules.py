"""Evidence -> answer, by the earlier rules (kept to compare readers with:
`consistency eval --reader rules`): the sentences that answer, each cited by
its exact span, the claims that fit the question, and their conflicts.

Extractive: every statement in the answer is a sentence of a source, quoted
verbatim and checked against the stored source text before it is shown.
When no sentence answers well enough the answer abstains (`not_found`).
"""

from __future__ import annotations

from itertools import combinations

from ..extract.question import Question
from ..models import Answer, StatedClaim
from .citations import Citations, conflict_sentences
from .compose import not_found
from .conflicts import RuleComparator, different_event, find_conflicts, varying_estimates
from .explain import facts_paragraphs, quoted_sentences
from .interface import ClaimComparator, DraftCallback, Evidence, ScoredSentence, SentenceScorer
from .relevance import about_the_event, matching_claims, relevant_claims

# A sentence answers when it means much the same as the question (MiniLM
# cosine of the two) and holds enough of its information (idf-weighted
# terms). Calibrated on the dev half of eval/gold.jsonl and tests/test_ask.py;
# judged on the held-out half (`consistency eval`).
MIN_SIMILARITY = 0.45
MIN_SCORE = 0.4
FULL_COVERAGE = 0.85  # a long sentence holding all the question's terms answers however diluted its meaning
KEEP_RELATIVE = 0.75  # keep sentences scoring within 75% of the best
MAX_SENTENCES = 4


class RuleReader:
    """The `QuestionReader` of thresholds over scored sentences, with the
    claims that fit the question compared by the comparator."""

    name = "rules"

    def __init__(self, scorer: SentenceScorer, comparator: ClaimComparator | None = None):
        self.scorer = scorer
        self.comparator = comparator or RuleComparator()

    def read(self, question: Question, evidence: Evidence, on_draft: DraftCallback | None = None) -> Answer:
        scored = self.scorer.score(question, evidence)
        if not scored or not _answers(scored[0]):
            return not_found(question.text)
        claim_set = evidence.claims
        matching = matching_claims(scored, claim_set, question) if question.names_a_measure else []
        if not _count_is_stated(question, scored, evidence):
            return not_found(question.text)
        disagreements = find_conflicts(claim_set, combinations(matching, 2), self.comparator)
        chosen = _same_event_only(_choose(scored), matching)
        citations = Citations(chosen + conflict_sentences(disagreements, chosen), evidence.sources)
        if not citations.list:
            return not_found(question.text)
        conflicts = [citations.conflict(d) for d in disagreements if citations.covers(d)]
        varying = (
            []
            if conflicts
            else [c for c in varying_estimates(matching, claim_set, self.comparator) if citations.id_of(c)]
        )
        facts = facts_paragraphs(citations, conflicts, varying)
        return Answer(
            question=question.text,
            status="conflict" if conflicts else "answered",
            answer="\n\n".join([quoted_sentences(citations), *facts]),
            facts_text="\n\n".join(facts),
            citations=citations.list,
            claims=[citations.claim(c) for c in matching if citations.id_of(c)],
            conflicts=conflicts,
        )


def _count_is_stated(question: Question, scored: list[ScoredSentence], evidence: Evidence) -> bool:
    """A question asking to count something is answered only by a relevant
    sentence that counts it, in the role and for the event asked: the
    sentences may be on topic while none holds the count (the record
    attack's size is known, the number shot down is not)."""
    if not (question.asks_amount and (question.names_a_measure or question.role)):
        return True
    return any(
        question.answered_by(c) and about_the_event(question, c, evidence)
        for c in relevant_claims(scored, evidence.claims)
    )


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


def _answers(sentence: ScoredSentence) -> bool:
    close = sentence.similarity >= MIN_SIMILARITY or sentence.coverage >= FULL_COVERAGE
    return close and sentence.score >= MIN_SCORE


def _choose(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    """The answering sentences, each source's best first: when sources
    differ, each one's version is shown before any source is quoted twice."""
    best = scored[0].score
    eligible = [s for s in scored if _answers(s) and s.score >= KEEP_RELATIVE * best]
    firsts: list[ScoredSentence] = []
    rest: list[ScoredSentence] = []
    seen: set[str] = set()
    for sentence in eligible:
        (rest if sentence.source_id in seen else firsts).append(sentence)
        seen.add(sentence.source_id)
    return (firsts + rest)[:MAX_SENTENCES]
