"""A claim -> a verdict: supported, contradicted, disputed (the sources
disagree among themselves about it) or not_found.

The claim is read like a source sentence (its quantities, its missile
class) and compared, by the same code that finds conflicts, with the
stored claims about the same thing. Claims without a number or a class
are not judged by word overlap: the check abstains and shows the evidence.
"""

from __future__ import annotations

import re
from itertools import combinations

from ..extract.claims import extract_claims
from ..extract.grammar import subject_names
from ..extract.question import Question
from ..models import Source, StatedClaim, Verdict
from ..text.countries import country_of, words_of
from ..text.lexicon import PROPERTY_UNITS
from ..text.names import same_value
from ..text.sentences import sentence_before
from ..text.terms import terms
from .citations import Citations, conflict_sentences
from .conflicts import RuleComparator, different_event, find_conflicts
from .interface import ClaimComparator, ClaimSet, Disagreement, Evidence, ScoredSentence, SentenceScorer
from .relevance import about_the_event, fits_the_time, relevant_claims
from .verify import named_in

USER = "claim-under-check"


class RuleJudge:
    """The `ClaimJudge` of the rules: the claim's figures and classes
    against the stored claims about the same thing of the same event."""

    def __init__(self, scorer: SentenceScorer, comparator: ClaimComparator | None = None):
        self.scorer = scorer
        self.comparator = comparator or RuleComparator()

    def judge(self, claim: Question, evidence: Evidence) -> Verdict:
        return _check(claim, evidence, self.scorer, self.comparator)


def _check(claim: Question, evidence: Evidence, scorer: SentenceScorer, comparator: ClaimComparator) -> Verdict:
    text, sources, claim_set = claim.text, evidence.sources, evidence.claims
    scored = scorer.score(claim, evidence, ignore_numbers=True)
    stated = read_claim(text)
    if not stated:
        return _unjudged(text, scored, sources)
    unknown = names_the_sources_never_mention(text, evidence)
    if unknown:
        return Verdict(
            claim=text,
            verdict="not_found",
            explanation=(
                f"No stored source mentions {', '.join(unknown)}: the claim is not judged by other subjects' figures."
            ),
        )
    relevant = relevant_claims(scored, claim_set)
    same_measure = _SameMeasure(stated)
    fitting = [c for c in relevant if claim.matches(c)] + [c for c in relevant if same_measure.matches(c)]
    fitting = [c for c in fitting if fits_the_time(claim, c.published, c.event_date)]
    fitting = [c for c in fitting if not _a_property_of_another(stated, c, evidence)]
    fitting = [c for c in fitting if names_the_claims_subject(text, c, evidence)]
    candidates = _one_event(scored, [c for c in fitting if about_the_event(claim, c, evidence, ignore_numbers=True)])
    judged = ClaimSet([*stated, *claim_set.claims], claim_set.vectors)
    agree, neutral, disagree = _compare_all(stated, _unique(candidates), judged, comparator)
    if not agree and not disagree:
        return _neutral(text, neutral, sources)
    against = _unique([c for d in disagree for c in d.claims if not c.context_free])
    among_sources = find_conflicts(judged, combinations(agree + against, 2), comparator)
    spans = [ScoredSentence(c.source_id, c.start, c.end) for c in agree] + conflict_sentences(
        disagree + among_sources, []
    )
    citations = Citations(spans, sources)
    label = "disputed" if agree and disagree else "supported" if agree else "contradicted"
    return Verdict(
        claim=text,
        verdict=label,
        explanation=_explain(label, agree, disagree, citations),
        citations=citations.list,
        claims=[citations.claim(c) for c in _unique(agree + against)],
        conflicts=[citations.conflict(d) for d in among_sources if citations.covers(d)],
        supporting=citations.ids_of(agree),
        contradicting=citations.ids_of(against),
    )


def _a_property_of_another(stated: list[StatedClaim], stored: StatedClaim, evidence: Evidence) -> bool:
    """A range or a weight belongs to one object: a claim that names it
    ("the AB-12 has a range of 120 km") is judged only by sentences that name
    it too (here or in the sentence before), not by another object's range."""
    if stored.kind != "numeric" or stored.amount.unit not in PROPERTY_UNITS:
        return False
    names = {
        n for c in stated for n in re.findall(r"(?<!^)\b[A-Z][\w’'-]*\d[\w’'-]*|(?<!^)\b[A-Z][\w’'-]+", c.sentence)
    }
    if not names:
        return False
    source = evidence.sources.get(stored.source_id)
    context = stored.sentence + " " + (sentence_before(source.text, stored.start) if source else "")
    return not any(name in context for name in names)


def names_the_claims_subject(text: str, stored: StatedClaim, evidence: Evidence) -> bool:
    """A stored figure whose sentence has a subject of its own ("Sweden
    announced ...") judges a claim only if that subject is the claim's
    ("Japan has pledged ..."): Sweden's pledge says nothing of Japan's. A
    sentence without one carries on the sentence before's ("The US has
    allocated $175bn ... About $67bn has been provided for military support")."""
    mine = subject_names(text)
    if not mine:
        return True
    source = evidence.sources.get(stored.source_id)
    before = sentence_before(source.text, stored.start) if source else ""
    for sentence in (stored.sentence, before):
        rivals = [(b, kind) for b, kind in subject_names(sentence) if any(kind == k for _, k in mine)]
        if rivals:
            return any(same_value(a, b) or _stem_match(a, b) or _stem_match(b, a) for a, _ in mine for b, _ in rivals)
    return True  # neither names a subject of a kind the claim's is: nothing says they differ


def _stem_match(a: str, b: str) -> bool:
    words = set(terms(b))
    return all(named_in(w, words) for w in terms(a))


def names_the_sources_never_mention(text: str, evidence: Evidence) -> list[str]:
    """The claim's names ("Japan has pledged ...") that no stored passage
    uses, itself or as its country ("Oslo" is known where sources say Norway)."""
    names = re.findall(r"\b[A-Z][\w’'-]+", text)

    def known(name: str) -> bool:
        country = country_of(words_of(name))
        return any(evidence.lexical.known(t) for t in terms(name) + terms(country or ""))

    return [n for n in dict.fromkeys(names) if terms(n) and not known(n)]


def read_claim(text: str) -> list[StatedClaim]:
    """The claim's own numbers and classes, as if it were a source."""
    claimed = Source(id=USER, title="the claim", path="", text=text, content_hash=USER)
    claims = extract_claims(claimed)
    for claim in claims:
        claim.context_free = True
        claim.claimant = claim.claimant or "the claim"
    return claims


def _one_event(scored: list[ScoredSentence], candidates: list[StatedClaim]) -> list[StatedClaim]:
    """A bare claim has no date: judge it against the event the most
    relevant sentence reports, not every event with the same words, nor a
    total over a period ("in June") when that sentence reports one event."""
    rank = {(s.source_id, s.start): index for index, s in enumerate(scored)}
    ordered = sorted(_unique(candidates), key=lambda c: rank.get((c.source_id, c.start), len(rank)))
    if not ordered:
        return []
    anchor = ordered[0]
    return [c for c in ordered if not different_event(anchor, c) and c.scope == anchor.scope]


class _SameMeasure:
    """Stored claims that measure what the checked claim states."""

    def __init__(self, stated: list[StatedClaim]):
        self.stated = stated

    def matches(self, claim: StatedClaim) -> bool:
        for mine in self.stated:
            if mine.kind != claim.kind:
                continue
            if mine.kind == "qualitative" or (
                mine.amount.things and set(mine.amount.things) & set(claim.amount.things)
            ):
                return True
            if not mine.amount.things and mine.amount.unit == claim.amount.unit:
                return True
        return False


# A bound ("at least two people") does not contradict 40 people, but it does
# not state 40 either: it is neutral, not support.
_BOUNDS = {"at_least", "more_than", "up_to", "fewer_than", "vague"}


def only_a_bound(mine: StatedClaim, theirs: StatedClaim) -> bool:
    """A bound ("at least two") neither states nor denies a figure, unless
    the claim gives the very same bound."""
    same_bound = (theirs.amount.qualifier, theirs.amount.point) == (mine.amount.qualifier, mine.amount.point)
    return theirs.amount.qualifier in _BOUNDS and not same_bound


def _compare_all(
    stated: list[StatedClaim], candidates: list[StatedClaim], claim_set: ClaimSet, comparator: ClaimComparator
) -> tuple[list[StatedClaim], list[StatedClaim], list[Disagreement]]:
    agree: list[StatedClaim] = []
    neutral: list[StatedClaim] = []
    disagree: list[Disagreement] = []
    for mine in stated:
        for theirs in candidates:
            comparison = comparator.compare(mine, theirs, claim_set)
            if comparison.disagreement is not None:
                disagree.append(comparison.disagreement)
            elif comparison.related:
                (neutral if only_a_bound(mine, theirs) else agree).append(theirs)
    return _unique(agree), _unique(neutral), disagree


def _neutral(text: str, neutral: list[StatedClaim], sources: dict[str, Source]) -> Verdict:
    if not neutral:
        return Verdict(
            claim=text, verdict="not_found", explanation="No stored source states this measure of this event."
        )
    citations = Citations([ScoredSentence(c.source_id, c.start, c.end) for c in neutral], sources)
    bounds = "; ".join(f"{_what(c)} [{citations.id_of(c)}]" for c in neutral if citations.id_of(c))
    return Verdict(
        claim=text,
        verdict="not_found",
        explanation=f"No source states this figure. The sources give only bounds that do not contradict it: {bounds}.",
        citations=citations.list,
        claims=[citations.claim(c) for c in neutral],
    )


def _explain(label: str, agree: list[StatedClaim], disagree: list[Disagreement], citations: Citations) -> str:
    def cite(claim: StatedClaim) -> str:
        number = citations.id_of(claim)
        return f"{_what(claim)} [{number}]" if number else _what(claim)

    against = _unique([c for d in disagree for c in d.claims if not c.context_free])
    parts = []
    if agree:
        parts.append("Consistent with " + "; ".join(cite(c) for c in agree) + ".")
    if against:
        parts.append("At odds with " + "; ".join(cite(c) for c in against) + ".")
    if disagree:
        parts.append(disagree[0].explanation)
    lead = {
        "supported": "The sources support this.",
        "contradicted": "The sources contradict this.",
        "disputed": "The sources disagree among themselves about this.",
    }[label]
    return " ".join([lead, *parts])


def _what(claim: StatedClaim) -> str:
    return claim.amount.text if claim.quantity else f"{claim.category} ({claim.claimant or 'unattributed'})"


def _unjudged(text: str, scored: list[ScoredSentence], sources: dict[str, Source]) -> Verdict:
    evidence = [s for s in scored[:3] if s.coverage >= 0.45]
    citations = Citations(evidence, sources)
    explanation = "The claim states no number, date, name or kind that code can compare, so it is not judged."
    if citations.list:
        explanation += " Related passages are cited for reading."
    return Verdict(claim=text, verdict="not_found", explanation=explanation, citations=citations.list)


def _unique(claims: list[StatedClaim]) -> list[StatedClaim]:
    return list({c.id: c for c in claims}.values())
