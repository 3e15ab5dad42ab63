"""A claim -> a verdict, for claims with or without numbers.

A claim with an amount is judged first by the rules (reason/check.py): its
figures against the stored figures about the same thing of the same event.
Those rules need the sources to count the claim's things in its words, so
when they find nothing the claim is read like a question instead: its figure
is taken out ("Oslo has sent Nairobi how many purification plants?"), the
reader reads the sources for it (the LLM knows that "water-treatment units"
answer "purification plants"), code verifies each reading, and the claim's figure is set
against each source's by the same interval comparison as any conflict.
A claim without one states a date, a name or a kind ("The missile that
struck the city was an SRBM"): that value is taken out of the claim, the
rest becomes a question ("What kind of missile was the missile that struck
the city?"), the reader reads the sources for it as for any question, code
verifies each reading, and each source's value is set against the claim's:
the same value supports, an exclusive one contradicts, anything else says
nothing. Sources that disagree among themselves make it disputed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..extract.grammar import main_verb_at, modifies_a_noun
from ..extract.mentions import MentionReader
from ..extract.quantities import figure_span
from ..extract.question import AnswerType, Question, noun_phrase_head
from ..models import Passage, Source, StatedClaim, Verdict
from ..text.dates import find_date_values
from ..text.lexicon import CURRENCIES, singular
from ..text.names import same_value
from . import candidates as candidate_selection
from .check import RuleJudge, names_the_claims_subject, names_the_sources_never_mention, only_a_bound, read_claim
from .citations import Citations
from .conflicts import comparable, kinds_of_one_thing, numeric_disagreement, same_circumstances
from .decide import decide, same_currency
from .interface import Candidate, ClaimSet, Evidence, EvidenceReader, Reading, SentenceScorer
from .typed import TypedReader
from .verify import Verified, as_written, verify

CHECK_RELATIVE = 0.4
_COPULA = re.compile(r"^(?P<subject>.+?)\s+(?:is|was|are|were)\s+(?:an?\s+|the\s+)?(?P<value>[^,;]+?)\.?$", re.I)
_DETERMINER = re.compile(r"^(?:the|a|an|this|that|its|their)\s+", re.I)


@dataclass(frozen=True)
class Slot:
    """The value a claim states, and the question it answers."""

    answer_type: AnswerType
    value: str
    head: str | None
    question: str


@dataclass
class Stance:
    """One source's word on a claim, verified: it supports it or contradicts
    it, in these sentences, saying `value`."""

    source_id: str
    supports: bool
    sentences: list[Candidate]
    value: str
    reader: str = "typed"
    verified: Verified | None = None  # the reading it rests on, for conflicts among sources


@dataclass
class Stances:
    """The sources' stances on a claim, and the question they were read for."""

    stances: list[Stance]
    asked: Question | None = None


class ReadingJudge:
    """The `ClaimJudge`: the rules for amounts, then a reader; a reader for the rest."""

    name = "typed"

    def __init__(
        self,
        rules: RuleJudge,
        reader: EvidenceReader,
        scorer: SentenceScorer,
        amount_reader: EvidenceReader | None = None,
    ):
        self.rules = rules
        self.reader = reader
        self.scorer = scorer
        # Who reads the sources for a claim's figure when the rules find
        # nothing: the LLM, when there is one, reads other wordings best.
        self.amount_reader = amount_reader or reader

    def judge(self, claim: Question, evidence: Evidence) -> Verdict:
        stated = read_claim(claim.text)
        if not stated:
            found = self.stances(claim, evidence)
            return verdict_of(claim.text, found, evidence) if found else self.rules.judge(claim, evidence)
        verdict = self.rules.judge(claim, evidence)
        if verdict.verdict != "not_found" or names_the_sources_never_mention(claim.text, evidence):
            return verdict
        found = self.amount_stances(claim.text, stated, evidence)
        return verdict_of(claim.text, found, evidence) if found else verdict

    def amount_stances(self, text: str, stated: list[StatedClaim], evidence: Evidence) -> Stances | None:
        """The first of the claim's figures that some source's reading fits
        or excludes, with every source's stance on it; None when none does."""
        judged = ClaimSet([*stated, *evidence.claims.claims], evidence.claims.vectors)
        for mine in stated:
            asked = amount_question(text, mine)
            verified = self._readings(asked, evidence, self.amount_reader)
            stances = [
                Stance(v.reading.source_id, agrees, v.sentences, as_written(v.claims), v.reading.reader, v)
                for v in verified
                if (agrees := amount_agrees(mine, v, evidence, judged)) is not None
            ]
            if stances:
                return Stances(stances, asked)
        return None

    def stances(self, claim: Question, evidence: Evidence) -> Stances | None:
        """The first of the claim's values that some source gives or excludes,
        with every source's stance on it; None when no source does."""
        for slot in claim_slots(claim.text):
            asked = Question.analyse(slot.question).model_copy(
                update={"answer_type": slot.answer_type, "head": slot.head, "one_answer": True}
            )
            verified = self._readings(asked, evidence, self.reader, said=slot.value)
            if any(_agrees(slot, _value(v)) is not None for v in verified):
                return Stances(_stances(slot, verified), asked)
        return None

    def _readings(
        self, asked: Question, evidence: Evidence, reader: EvidenceReader, said: str | None = None
    ) -> list[Verified]:
        groups = candidate_selection.select(asked, evidence, self.scorer, keep_relative=CHECK_RELATIVE)
        if not groups:
            return []
        offered: dict[int, Candidate] = {s.number: s for g in groups for s in g.sentences}
        reader = reader if not isinstance(reader, TypedReader) else TypedReader(every_value=True)
        readings = reader.read(asked, groups).readings
        if said:
            # A sentence that gives the claim's own value, word for word, is read as saying it.
            same = re.compile(rf"(?<![\w-]){re.escape(said)}(?![\w-])", re.I)
            readings += [Reading(s.source_id, [s.number], said) for s in offered.values() if same.search(s.text)]
        checked = (verify(asked, reading, offered, evidence) for reading in readings)
        return [v for v in checked if not isinstance(v, str)]


def amount_question(claim: str, stated: StatedClaim) -> Question:
    """The question a claim's figure answers: the figure asked for in its
    place ("Oslo has sent Nairobi how many purification plants from its own
    stocks?"), what it counts, its unit and role taken from the claim."""
    quantity = stated.amount
    start, end = figure_span(claim, quantity)
    asking = "how much" if quantity.unit in CURRENCIES else "how many"
    text = f"{claim[:start]}{asking}{claim[end:]}".strip().rstrip(".") + "?"
    asked = Question.analyse(text)
    counted = asked.counted or [singular(t) for t in quantity.things]
    units = asked.units if quantity.things or not quantity.unit else {quantity.unit}
    return asked.model_copy(
        update={
            "answer_type": "amount",
            "counted": counted,
            "units": units,
            "role": quantity.role or asked.role,
            "one_answer": True,
            "asks_amount": True,
            "asks_number": True,
        }
    )


def amount_agrees(stated: StatedClaim, verified: Verified, evidence: Evidence, claims: ClaimSet) -> bool | None:
    """True: a figure of the reading fits the claim's; False: the reading's
    figures exclude it; None: it gives no figure the claim's can be set
    against (another unit, another role or period, or only a bound)."""
    fits: list[bool] = []
    for theirs in verified.claims:
        if not names_the_claims_subject(stated.sentence, theirs, evidence):
            continue  # one country's pledge says nothing of another's
        mine = _in_their_words(stated, theirs)
        mine, theirs = same_currency(mine, theirs)
        if only_a_bound(mine, theirs):
            continue  # "at least two" neither states nor denies 40
        if mine.amount.unit != theirs.amount.unit and not (mine.amount.things and theirs.amount.things):
            continue
        if not same_circumstances(mine, theirs) or not comparable(mine, theirs, claims):
            continue
        fits.append(numeric_disagreement(mine, theirs, claims) is None)
    return any(fits) if fits else None


def _in_their_words(stated: StatedClaim, theirs: StatedClaim) -> StatedClaim:
    """The reader took the source's things for the claim's ("water-treatment
    units" for "purification plants"): the claim's figure is compared as counting
    them. Things in common keep their own words, so a part is still told
    from a whole (40 trucks against 45 trucks and buses)."""
    mine, other = stated.amount, theirs.amount
    if not (mine.things and other.things) or set(mine.things) & set(other.things):
        return stated
    renamed = mine.model_copy(update={"things": list(other.things), "unit": other.unit})
    return stated.model_copy(update={"quantity": renamed})


def claim_slots(claim: str) -> list[Slot]:
    """The values a claim states, each with the question it answers: its
    dates, the kind a copula gives ("X was an SRBM"), its names."""
    text = claim.strip().rstrip(".")
    slots: list[Slot] = []
    for date in find_date_values(text):
        masked = re.sub(rf"\b(?:(?:in|on|since)\s+)?[^,.;]*?{date.year}\b", "", text).strip()
        slots.append(Slot("date", date.iso, None, f"When {masked}?"))
    names = _names(text)
    copula = _COPULA.match(text)
    if copula and not any(m.text in copula.group("value") for m in names):
        subject = _DETERMINER.sub("", copula.group("subject").strip())
        value = _DETERMINER.sub("", copula.group("value").strip())
        # The kind's own noun ("a short-range ballistic missile"), else the
        # subject's ("the missile that struck the city was an SRBM").
        words = value.split()
        head = words[-1] if len(words) > 1 else noun_phrase_head(subject)
        if head:
            slots.append(Slot("thing", value, singular(head), f"What kind of {singular(head)} was the {subject}?"))
    verb = main_verb_at(text)
    for mention in reversed(names):  # the object a claim states comes late: "the plant was designed by A"
        if modifies_a_noun(text, mention.end) or (verb is not None and mention.end <= verb and len(names) > 1):
            continue  # "Canadian troops", "the country's leader", the claim's subject: not what it asserts
        masked = text.replace(mention.text, "who or what").strip()
        kind: AnswerType = mention.kind if mention.kind in ("person", "organisation", "place") else "thing"
        slots.append(Slot(kind, mention.text, None, f"{masked}?"))
    return slots


def _names(text: str) -> list:
    source = Source(id="claim", title="", path="", text=text, content_hash="claim")
    passage = Passage(id="claim", source_id="claim", title="", start=0, end=len(text), text=text)
    MentionReader().annotate([source], [passage])
    return [m for m in passage.mentions if m.kind in ("person", "organisation", "place", "thing")]


def _classing(phrase: str) -> str:
    """A description without the names among its modifiers ("AB-12
    short-range ballistic missile" -> "short-range ballistic missile")."""
    words = phrase.split()
    return " ".join([w for w in words[:-1] if not (w[:1].isupper() or any(c.isdigit() for c in w))] + words[-1:])


def _value(verified: Verified) -> str:
    return (verified.claims[0].category if verified.claims else None) or verified.reading.answer


def _agrees(slot: Slot, value: str) -> bool | None:
    """True: the same value; False: one that excludes it; None: neither."""
    if slot.answer_type == "date":
        claimed, given = find_date_values(slot.value), find_date_values(value)
        if not claimed or not given:
            return None
        return claimed[0].compatible(given[0])
    if same_value(slot.value, value):
        return True
    if slot.answer_type == "thing":
        return False if kinds_of_one_thing(slot.value, value) else None
    return False


def _stances(slot: Slot, verified: list[Verified]) -> list[Stance]:
    judged = [(v, _agrees(slot, _value(v))) for v in verified]
    # A claim that uses an acronym ("an SRBM") is set against the others in
    # the words of the source that spells it out.
    spelled = next((plain for v, agrees in judged if agrees and len((plain := _classing(_value(v))).split()) > 1), None)
    if spelled and len(slot.value.split()) == 1:
        fuller = Slot(slot.answer_type, spelled, slot.head, slot.question)
        judged = [(v, True if agrees else _agrees(fuller, _value(v))) for v, agrees in judged]
    return [
        Stance(v.reading.source_id, agrees, v.sentences, v.reading.answer.strip(), v.reading.reader, v)
        for v, agrees in judged
        if agrees is not None
    ]


def verdict_of(claim: str, found: Stances, evidence: Evidence) -> Verdict:
    """The sources' stances combined by code: supported when some support it
    and none contradict it, contradicted the other way round, disputed when
    both, not_found when none takes a stance."""
    agree = [s for s in found.stances if s.supports]
    against = [s for s in found.stances if not s.supports]
    sources: dict[str, Source] = evidence.sources
    if not agree and not against:
        return Verdict(
            claim=claim, verdict="not_found", explanation="The sources read say nothing that confirms or excludes it."
        )
    citations = Citations([s for stance in agree + against for s in stance.sentences], sources)
    readings = [s.verified for s in agree + against if s.verified is not None]
    decided = decide(found.asked, readings, evidence.claims).conflicts if found.asked and readings else []
    conflicts = [citations.conflict(d) for d in decided if citations.covers(d)]
    label = "disputed" if agree and against else "supported" if agree else "contradicted"

    def cite(group: list[Stance]) -> str:
        return "; ".join(
            f"{stance.value} "
            + "".join(f"[{n}]" for s in stance.sentences if (n := citations.id_of_span(s.source_id, s.start)))
            for stance in group
        )

    lead = {
        "supported": "The sources support this.",
        "contradicted": "The sources contradict this.",
        "disputed": "The sources disagree among themselves about this.",
    }[label]
    parts = [lead]
    if agree:
        parts.append(f"Consistent with {cite(agree)}.")
    if against:
        parts.append(f"At odds with {cite(against)}.")

    return Verdict(
        claim=claim,
        verdict=label,
        explanation=" ".join(parts),
        citations=citations.list,
        claims=[citations.claim(c) for v in readings for c in v.claims if citations.id_of(c)],
        conflicts=conflicts,
        supporting=citations.ids_of(s for stance in agree for s in stance.sentences),
        contradicting=citations.ids_of(s for stance in against for s in stance.sentences),
    )
