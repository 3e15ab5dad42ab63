"""Verified readings -> what the sources say together: agreement, a
conflict (amounts, dates, names, classes), estimates that vary, or
different things that share a name (ambiguity).

The question already says what is measured, so two readings are compared
whenever they answer it, with the code's own guards: amounts in different
roles, periods or of different owners never conflict, nor do events on
different dates or in places one source never mentions. A combined count is
set against the sum of a breakdown (500 drones and missiles vs 539 + 11).
The LLM never decides any of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import combinations

from ..extract.quantities import find_quantities
from ..extract.question import Question
from ..models import StatedClaim
from ..text.countries import countries_meant
from ..text.dates import WrittenDate, find_date_values
from ..text.lexicon import CURRENCIES, singular
from ..text.names import name_tokens, same_value
from ..text.terms import terms
from .conflicts import (
    _drop_redundant,
    different_event,
    numeric_disagreement,
    rank,
    same_circumstances,
    same_things,
    value_conflict,
)
from .interface import ClaimSet, Disagreement
from .verify import Verified


@dataclass
class Decision:
    readings: list[Verified] = field(default_factory=list)  # the readings the answer shows
    conflicts: list[Disagreement] = field(default_factory=list)
    varying: list[StatedClaim] = field(default_factory=list)
    ambiguous: list[list[Verified]] = field(default_factory=list)  # groups of readings about different things


def decide(question: Question, verified: list[Verified], claim_set: ClaimSet) -> Decision:
    verified = _asked_claimant(question, verified)
    if question.running_total:
        verified = _as_running_totals(verified, claim_set)
    amounts = _one_event([v for v in verified if v.kind == "amount"], question.running_total)
    values = [v for v in verified if v.kind != "amount" and v.comparable and _one_value_asked(question, v)]
    decision = Decision(readings=[v for v in verified if v.kind != "amount" or v in amounts])
    groups = _about_groups(values)
    if len(groups) > 1:
        decision.ambiguous = groups
        values = []
    numeric = _amount_conflicts(question, amounts, claim_set)
    decision.conflicts = rank(_drop_redundant(numeric) + _value_conflicts(values))
    if not numeric:
        decision.varying = _varying(question, amounts, claim_set)
    return decision


def _asked_claimant(question: Question, verified: list[Verified]) -> list[Verified]:
    """A question that asks for one claimant's word ("does the defence
    ministry say") is answered by the readings that give that word, when any
    does: other sources' figures are beside the point, not in conflict."""
    if not question.claimant:
        return verified
    wanted = _claimant_terms(question.claimant)

    def says_it(reading: Verified) -> bool:
        said = " ".join(filter(None, [c.claimant for c in reading.claims] + [s.text for s in reading.sentences]))
        return len(wanted & _claimant_terms(said)) * 2 >= len(wanted)

    theirs = [v for v in verified if says_it(v)]
    return theirs or verified


def _as_running_totals(verified: list[Verified], claim_set: ClaimSet) -> list[Verified]:
    """A question about a total that grows ("since the invasion") takes an
    amount stated without a period as that total, as a reader would: "the
    $22 billion provided by Norland" answers it as much as "$40bn since the
    war began". Not in a source that states such a total in the same unit
    itself: its other figures are parts of it ("about $15bn of it for military
    support"). A daily rate or one month's figure stays what it is."""
    stating = {(c.source_id, c.amount.unit) for c in claim_set.claims if c.quantity and c.scope == "cumulative"}

    def as_total(claim: StatedClaim) -> StatedClaim:
        if claim.scope is None and (claim.source_id, claim.amount.unit) not in stating:
            return claim.model_copy(update={"scope": "cumulative"})
        return claim

    return [replace(v, claims=[as_total(c) for c in v.claims]) if v.kind == "amount" else v for v in verified]


def _claimant_terms(text: str) -> set[str]:
    """Who is named, however it is written: "Tallinn's defence ministry" and
    "the Estonian Defense Ministry" are one claimant (a capital or a
    people stands for its country; British and American spellings fold)."""
    folded = re.sub(r"(?<=[fct])ence\b", "ense", text, flags=re.I)
    # A country is one token: "South Sudanese" must not share "sudan" with "Sudan".
    return set(terms(folded)) | {"country:" + country for country in countries_meant(text)}


def _one_event(amounts: list[Verified], running_total: bool) -> list[Verified]:
    """The amounts about the best reading's event: a figure from a report of
    another date or place (48 drones downed on a Tuesday a year earlier) is
    not an answer about the event asked, even if its words are close."""
    if not amounts:
        return []
    anchor = amounts[0].claims
    return [v for v in amounts if any(not different_event(a, c, running_total) for a in anchor for c in v.claims)]


def _one_value_asked(question: Question, verified: Verified) -> bool:
    """Values are compared only when the question asks for one, and a
    description only when it names a kind of the thing asked about
    ("intermediate-range missile" for "what kind of missile")."""
    if not question.one_answer:
        return False
    if verified.kind != "text":
        return True
    words = name_tokens(verified.claims[0].category or "")
    return bool(question.head) and len(words) > 1 and singular(words[-1]) == question.head


def _comparable_amounts(question: Question, a: StatedClaim, b: StatedClaim) -> bool:
    if a.source_id == b.source_id and a.start == b.start:
        return False  # one sentence's figures are a breakdown, not a disagreement
    qa, qb = a.amount, b.amount
    if not same_circumstances(a, b):
        return False
    if not question.counted:
        if qa.things and qb.things and not same_things(qa.things, qb.things):
            return False
        if not (qa.things and qb.things) and qa.unit != qb.unit:
            return False
    elif not same_things(qa.things, qb.things) and (len(qa.things) > 1 or len(qb.things) > 1):
        # Both count what was asked, in their own words ("force" and "troops"):
        # compared only when each reading counts it as a whole.
        return False
    return not different_event(a, b, question.running_total)


def _pairs(question: Question, amounts: list[Verified]) -> list[tuple[StatedClaim, StatedClaim]]:
    """The figures of different readings, and those one reading takes from
    different sentences (a reader may cite two claimants' figures at once:
    "10,000 to 12,000" from "more than 10,000" and "11,000 to 12,000")."""
    candidates = [(a, b) for first, second in combinations(amounts, 2) for a in first.claims for b in second.claims]
    candidates += [(a, b) for one in amounts for a, b in combinations(one.claims, 2) if a.start != b.start]
    pairs = []
    for a, b in candidates:
        a, b = same_currency(a, b)
        if _comparable_amounts(question, a, b):
            pairs.append((a, b))
    return pairs


def same_currency(a: StatedClaim, b: StatedClaim) -> tuple[StatedClaim, StatedClaim]:
    """Two sums in different currencies compare through a conversion a
    source gives ("€85 billion ($91 billion)"); code never converts itself."""
    qa, qb = a.amount, b.amount
    if qa.unit == qb.unit or not (qa.unit in CURRENCIES and qb.unit in CURRENCIES):
        return a, b
    for one, other in ((a, b), (b, a)):
        given = find_quantities(one.amount.equivalent or "")
        if given and given[0].unit == other.amount.unit:
            shown = one.amount.model_copy(
                update={k: getattr(given[0], k) for k in ("low", "high", "point", "unit", "qualifier")}
            )
            shown.text = f"{one.amount.text} ({one.amount.equivalent})"
            converted = one.model_copy(update={"quantity": shown})
            return (converted, other) if one is a else (other, converted)
    return a, b


def _amount_conflicts(question: Question, amounts: list[Verified], claim_set: ClaimSet) -> list[Disagreement]:
    found: dict[frozenset[str], Disagreement] = {}
    for a, b in _pairs(question, amounts):
        disagreement = numeric_disagreement(a, b, claim_set)
        if disagreement is not None:
            found.setdefault(disagreement.key(), disagreement)
    return list(found.values())


def _varying(question: Question, amounts: list[Verified], claim_set: ClaimSet) -> list[StatedClaim]:
    """Figures for the same thing that differ and can all be true."""
    varying: dict[str, StatedClaim] = {}
    for a, b in _pairs(question, amounts):
        if (a.amount.low, a.amount.high) != (b.amount.low, b.amount.high) and numeric_disagreement(
            a, b, claim_set
        ) is None:
            varying[a.id], varying[b.id] = a, b
    return sorted(varying.values(), key=lambda c: (c.amount.low, c.amount.high))


def _value_conflicts(values: list[Verified]) -> list[Disagreement]:
    """Dates that cannot be one date; names and classes that are not forms
    of one another: one conflict per kind, a side per value."""
    claims = [c for v in values for c in v.claims]
    if len({(c.source_id, c.start, c.claimant) for c in claims}) < 2:
        return []
    groups: list[list[StatedClaim]] = []
    for claim in claims:
        home = next((g for g in groups if _same(g[0], claim)), None)
        if home is None:
            groups.append([claim])
        else:
            home.append(claim)
    if len(groups) < 2:
        return []
    return [value_conflict(claims[0].kind, claims[0].measure, groups)]


def _same(a: StatedClaim, b: StatedClaim) -> bool:
    if a.kind == "date":
        return _date(a).compatible(_date(b))
    return same_value(a.category or "", b.category or "")


def _date(claim: StatedClaim) -> WrittenDate:
    dates = find_date_values(claim.category or "")
    return dates[0] if dates else WrittenDate(0, None, None)


def _about_groups(values: list[Verified]) -> list[list[Verified]]:
    """Readings grouped by what they say they are about, when they say it and
    the things differ ("Michael Jordan (basketball player)" and "Michael I.
    Jordan (scientist)"): then each answers for its own thing."""
    named = [v for v in values if v.reading.about]
    if len(named) < 2 or len(named) < len(values):
        return []
    groups: list[list[Verified]] = []
    for reading in named:
        about = reading.reading.about or ""
        home = next((g for g in groups if _same_thing(g[0].reading.about or "", about)), None)
        if home is None:
            groups.append([reading])
        else:
            home.append(reading)
    return groups if len(groups) > 1 else []


def _same_thing(a: str, b: str) -> bool:
    return a.casefold() == b.casefold() or (same_value(a, b) and "(" not in a + b)


def about_of(question: Question, text: str) -> str | None:
    """What a source says the answer is about, when it disambiguates the
    question's subject the way references do: "Name (qualifier)"."""
    for subject in _subjects(question.text):
        match = re.search(rf"{re.escape(subject)}\s*\(([^()]{{2,60}})\)", text)
        if match:
            return f"{subject} ({match.group(1).strip()})"
    return None


def _subjects(text: str) -> list[str]:
    quoted = re.findall(r"[\"“]([^\"”]{1,80})[\"”]", text)
    named = [m.group() for m in re.finditer(r"(?<!^)\b[A-Z][\w’'.-]*(?:\s+(?:of|the|de|and)?\s*[A-Z][\w’'.-]*)*", text)]
    return sorted(dict.fromkeys(quoted + named), key=len, reverse=True)
