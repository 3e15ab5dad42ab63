"""Claims -> conflicts, decided by code: which claims measure the same thing
of the same event, and whether their intervals can both be true.

Same thing: the counted things overlap, the roles agree (launched is not
shot down), the period agrees (a month's total is not one night's attack),
the sources' dates are within a month, and the surroundings are similar
(cosine of the claims' context vectors). Two claims from one sentence are
never compared: they are a breakdown, not a disagreement.

Then: intervals overlap -> consistent ("estimates vary" when loose);
they do not -> a numeric conflict, minor or major by the relative gap,
with the likely cause named. A combined count ("500 drones and missiles")
is compared with the sum of a breakdown ("539 drones" + "11 missiles" =
550) when the other source gives one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import combinations

from ..models import Quantity, StatedClaim
from ..text.countries import is_country
from ..text.dates import date_bounds, day_number
from ..text.lexicon import PROPERTY_UNITS, is_human, singular
from ..text.names import name_tokens, same_value
from .interface import ClaimComparator, ClaimSet, Comparison, Disagreement, Side

CROSS_SOURCE_SIMILARITY = 0.5  # context cosine for claims from different sources
SAME_SOURCE_SIMILARITY = 0.35  # one article is mostly about one event
MAJOR_GAP = 0.25  # relative gap at which a numeric conflict is major
DATE_SLACK_DAYS = 31
EVENT_DATE_SLACK_DAYS = 2  # "overnight on 3 July" may be reported as 4 July
ROUND_TOLERANCE = 0.025  # "10,000" is read as 9,750-10,250


UNRELATED = Comparison(related=False)


class RuleComparator:
    """The `ClaimComparator` of the rules in this module: same thing, role,
    period, owner, event and surroundings; then intervals or classes."""

    def compare(self, a: StatedClaim, b: StatedClaim, claims: ClaimSet) -> Comparison:
        if not same_subject(a, b, claims):
            return UNRELATED
        return Comparison(related=comparable(a, b, claims), disagreement=_disagreement(a, b, claims))


def find_conflicts(
    claim_set: ClaimSet,
    pairs: Iterable[tuple[StatedClaim, StatedClaim]] | None = None,
    comparator: ClaimComparator | None = None,
) -> list[Disagreement]:
    """Conflicts among the claims (all pairs, or the candidate pairs given),
    most severe first, each pair of claims reported once."""
    found: dict[frozenset[str], Disagreement] = {}
    candidates = pairs if pairs is not None else combinations(claim_set.claims, 2)
    collect_conflicts(claim_set, candidates, comparator or RuleComparator(), found)
    return settle(found)


def collect_conflicts(
    claim_set: ClaimSet,
    pairs: Iterable[tuple[StatedClaim, StatedClaim]],
    comparator: ClaimComparator,
    found: dict[frozenset[str], Disagreement],
) -> None:
    """Adds to `found` each pair's disagreement not found before (a pass
    over a large store collects in parts, then settles once)."""
    for a, b in pairs:
        disagreement = comparator.compare(a, b, claim_set).disagreement
        if disagreement is not None and disagreement.key() not in found:
            found[disagreement.key()] = disagreement


def settle(found: dict[frozenset[str], Disagreement]) -> list[Disagreement]:
    """The disagreements collected, merged and ranked, most severe first."""
    numeric = [d for d in found.values() if d.kind == "numeric"]
    qualitative = _merge_qualitative([d for d in found.values() if d.kind in VALUE_KINDS])
    return rank(_drop_redundant(numeric) + qualitative)


def varying_estimates(
    claims: list[StatedClaim], claim_set: ClaimSet, comparator: ClaimComparator | None = None
) -> list[StatedClaim]:
    """Claims about the same thing that state different figures which can
    all be true ("more than 10,000", "about 11,000"): estimates that vary."""
    comparator = comparator or RuleComparator()
    varying: dict[str, StatedClaim] = {}
    for a, b in combinations(claims, 2):
        if a.kind != "numeric" or a.quantity is None or b.quantity is None:
            continue
        comparison = comparator.compare(a, b, claim_set)
        if not comparison.related or comparison.disagreement is not None:
            continue
        if (a.amount.low, a.amount.high) != (b.amount.low, b.amount.high):
            varying[a.id], varying[b.id] = a, b
    return sorted(varying.values(), key=lambda c: (c.amount.low, c.amount.high) if c.quantity else (0.0, 0.0))


def rank(disagreements: list[Disagreement]) -> list[Disagreement]:
    return sorted(disagreements, key=lambda d: (d.severity != "major", -d.gap))


def _disagreement(a: StatedClaim, b: StatedClaim, claim_set: ClaimSet) -> Disagreement | None:
    """The disagreement between two claims already known to be about one thing, if any."""
    if a.kind != "numeric":
        return _qualitative(a, b) if exclusive(a, b) else None
    return numeric_disagreement(a, b, claim_set)


def exclusive(a: StatedClaim, b: StatedClaim) -> bool:
    """Can the two values not both be true? Dates that are not one date;
    names that are not forms of one name; and, for descriptions, two kinds
    of one thing: short phrases with the same head noun whose modifiers
    differ ("a long-range ballistic missile" and "a short-range missile").
    "SRBM" and "short-range ballistic missile", "missile" and "ballistic
    missile", or a name and a class ("Falcon", "short-range missile") can
    both be true."""
    if not (a.category and b.category) or same_value(a.category, b.category):
        return False
    if a.kind != "qualitative":
        return True
    return kinds_of_one_thing(a.category, b.category)


def kinds_of_one_thing(a: str, b: str) -> bool:
    """Two short descriptions of one head noun that classify it differently.
    A name among the modifiers ("the Falcon missile") names the thing
    rather than classing it: a name and a class can both be true."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not (1 < len(ta) <= 5 and 1 < len(tb) <= 5):
        return False
    if names_a_thing(a) or names_a_thing(b):
        return False
    return singular(ta[-1]) == singular(tb[-1])


def names_a_thing(phrase: str) -> bool:
    words = re.sub(r"^(?:an?|the)\s+", "", phrase.strip(), flags=re.I).split()[:-1]
    return any(w[:1].isupper() or any(ch.isdigit() for ch in w) for w in words)


def same_subject(a: StatedClaim, b: StatedClaim, claim_set: ClaimSet) -> bool:
    """Could these two claims be about the same measure of the same event?"""
    if a.id == b.id or a.kind != b.kind:
        return False
    if a.source_id == b.source_id and a.start == b.start and (a.kind == "numeric" or a.claimant == b.claimant):
        return False  # one sentence's figures are a breakdown; its descriptions, one speaker's
    if a.kind == "numeric":
        qa, qb = a.amount, b.amount
        same_measure = same_things(qa.things, qb.things) if qa.things and qb.things else qa.unit == qb.unit
        if not same_measure or not same_circumstances(a, b):
            return False
        if qa.unit in PROPERTY_UNITS and a.source_id != b.source_id and not (a.context_free or b.context_free):
            return False  # a range in km belongs to one weapon; articles rarely name which
    elif a.measure != b.measure:
        return False
    if different_event(a, b):
        return False
    threshold = SAME_SOURCE_SIMILARITY if a.source_id == b.source_id else CROSS_SOURCE_SIMILARITY
    return claim_set.similarity(a, b) >= threshold


_BOUNDS = {"up_to", "fewer_than", "at_least", "more_than"}


def same_circumstances(a: StatedClaim, b: StatedClaim) -> bool:
    """Do two amounts count under the same circumstances: the same role
    (launched is not shot down), period, and owner (48 French drones, six
    German drones)? A bound on what only one of them says happened ("up to
    8,000 could join the fighting" against "11,000 are there") is a part of
    the other, not a rival count."""
    qa, qb = a.amount, b.amount
    if qa.role and qb.role and qa.role != qb.role:
        return False
    if (a.scope == "rate") != (b.scope == "rate"):
        return False  # "1,200 a day" is no total, whatever the period
    # A claim under check has no article around it: a period it does not
    # state may be any; one it states ("in June") must be the same.
    unstated = (a.context_free and a.scope is None) or (b.context_free and b.scope is None)
    if a.scope != b.scope and not unstated:
        return False
    if qa.role != qb.role and {qa.qualifier, qb.qualifier} & _BOUNDS:
        return False
    return not (qa.owner and qb.owner and qa.owner != qb.owner)


def same_things(a: list[str], b: list[str]) -> bool:
    """Counted things in common ("drone+missile" and "drone"), or both
    counting people ("civilians" and "people")."""
    return bool(set(a) & set(b)) or (any(is_human(t) for t in a) and any(is_human(t) for t in b))


def different_event(a: StatedClaim, b: StatedClaim, running_total: bool = False) -> bool:
    """Event dates more than a few days apart (or, without them, reports
    more than a month apart), or a place one names that the other's source
    never mentions. A running total ("since the invasion") is no event:
    reports of it months apart are the same total, one perhaps updated,
    so only places tell two totals apart."""
    if not running_total and _different_times(a, b):
        return True
    return _elsewhere(a, b) or _elsewhere(b, a)


def _different_times(a: StatedClaim, b: StatedClaim) -> bool:
    if a.event_date and b.event_date:
        days = abs(day_number(date_bounds(a.event_date)[0]) - day_number(date_bounds(b.event_date)[0]))
        return days > EVENT_DATE_SLACK_DAYS
    return not _dates_compatible(a.published, b.published)


def _elsewhere(a: StatedClaim, b: StatedClaim) -> bool:
    """a happened somewhere b's source never mentions: a different event
    (the strike on Lyon is not the strike on Lille). Places are compared at
    the finest level each names: a city and its country against a region
    of the same country are two places. A country against a region or city
    tells nothing ("in the Varna region", "in Bulgaria"): the one may hold
    the other."""
    if b.context_free or not (a.places and b.places):
        return False
    mine, theirs = _finest(a.places), _finest(b.places)
    if set(mine) & set(theirs):
        return False
    if all(is_country(p) for p in mine) != all(is_country(p) for p in theirs):
        return False
    return not set(mine) & set(b.source_places)


def _finest(places: list[str]) -> list[str]:
    """The places below country level when there are any, else the countries."""
    return [p for p in places if not is_country(p)] or places


def _dates_compatible(first: str | None, second: str | None) -> bool:
    if not first or not second:
        return True
    low_a, high_a = date_bounds(first)
    low_b, high_b = date_bounds(second)
    if not (low_a and low_b):
        return True
    return day_number(max(low_a, low_b)) - day_number(min(high_a, high_b)) <= DATE_SLACK_DAYS


# ---- numeric ---------------------------------------------------------------


def numeric_disagreement(a: StatedClaim, b: StatedClaim, claim_set: ClaimSet) -> Disagreement | None:
    side_a, side_b = _side(a, b, claim_set), _side(b, a, claim_set)
    if side_a is None or side_b is None:
        return None  # a part and a whole with no breakdown: not comparable
    if side_a.low <= side_b.high and side_b.low <= side_a.high:
        return None  # both can be true
    gap = _relative_gap(side_a, side_b)
    severity = "major" if gap >= MAJOR_GAP else "minor"
    lower, higher = sorted((side_a, side_b), key=lambda side: (side.low, side.high))
    return _conflict("numeric", severity, _measure_name(a, b), [lower, higher], _explain(lower, higher, gap), gap)


def _conflict(kind: str, severity: str, measure: str, sides: list[Side], explanation: str, gap: float) -> Disagreement:
    """The one place a conflict's summary is written: from its sides, in
    their order, so that the summary, the JSON `sides` and every page that
    shows them name the values in the same order."""
    summary = f"{measure}: " + " vs ".join(side.label for side in sides)
    return Disagreement(kind=kind, severity=severity, summary=summary, explanation=explanation, sides=sides, gap=gap)


def comparable(a: StatedClaim, b: StatedClaim, claim_set: ClaimSet) -> bool:
    """Can the two be set against each other at all? (Not a part against a
    whole when no breakdown gives the rest.)"""
    if a.kind != "numeric":
        return a.measure == b.measure
    return _side(a, b, claim_set) is not None and _side(b, a, claim_set) is not None


def _side(claim: StatedClaim, other: StatedClaim, claim_set: ClaimSet) -> Side | None:
    """The interval this claim puts on what `other` measures. A breakdown
    (539 drones + 11 missiles) is summed when `other` counts the same things
    together; a part alone cannot be compared with a whole."""
    mine, theirs = set(claim.amount.things), set(other.amount.things)
    one_each = len(mine) == 1 and len(theirs) == 1
    if not mine or not theirs or mine >= theirs or (one_each and same_things(list(mine), list(theirs))):
        low, high = _tolerant(claim.amount)
        return Side([claim], low, high, _label(claim.amount))
    parts = _breakdown(claim, theirs, claim_set)
    if parts is None:
        # Only a part of what the other counts: it may not exceed the whole.
        low, high = _tolerant(claim.amount)
        _other_low, other_high = _tolerant(other.amount)
        if low > other_high:
            return Side([claim], low, high, f"{_label(claim.amount)} alone")
        return None
    low = sum(_tolerant(p.amount)[0] for p in parts)
    high = sum(_tolerant(p.amount)[1] for p in parts)
    total = _number(sum(p.amount.point or p.amount.low for p in parts))
    label = " + ".join(_label(p.amount) for p in parts) + f" = {total}"
    return Side(parts, low, high, label)


def _breakdown(claim: StatedClaim, things: set[str], claim_set: ClaimSet) -> list[StatedClaim] | None:
    parts: dict[str, StatedClaim] = {}
    for sibling in claim_set.siblings(claim):
        sibling_things = sibling.amount.things if sibling.quantity else []
        if len(sibling_things) == 1 and sibling_things[0] in things and sibling.amount.role == claim.amount.role:
            parts.setdefault(sibling_things[0], sibling)
    return [parts[thing] for thing in sorted(things)] if set(parts) == things else None


def _tolerant(quantity: Quantity) -> tuple[float, float]:
    """A round figure stated as exact ("a 10,000-strong force") is read as
    approximate: reporters round."""
    if quantity.qualifier == "exact" and quantity.point and _is_round(quantity.point):
        return quantity.point * (1 - ROUND_TOLERANCE), quantity.point * (1 + ROUND_TOLERANCE)
    return quantity.low, quantity.high


def _is_round(value: float) -> bool:
    if value < 100 or value != int(value):
        return False
    magnitude = 10 ** (len(str(int(value))) - 1)
    return value % magnitude == 0 or (magnitude >= 100 and value % (magnitude // 2) == 0)


def _relative_gap(a: Side, b: Side) -> float:
    lower, upper = sorted((a, b), key=lambda side: side.low)
    gap = upper.low - lower.high
    scale = max(abs(upper.low), abs(lower.high) if math.isfinite(lower.high) else 0.0, 1e-9)
    return gap / scale


def _explain(a: Side, b: Side, gap: float) -> str:
    causes = []
    claims_a, claims_b = a.claims, b.claims
    if len(claims_a) > 1 or len(claims_b) > 1:
        whole, parts = (b, a) if len(claims_a) > 1 else (a, b)
        things = " and ".join(whole.claims[0].amount.things)
        causes.append(
            f"aggregation vs breakdown: one source counts {things} together ({whole.label}); "
            f"the other gives them separately ({parts.label})"
        )
    elif any(label.endswith("alone") for label in (a.label, b.label)):
        causes.append("a part reported as larger than the whole: one figure counts several things together")
    first, second = claims_a[0], claims_b[0]
    if first.claimant and second.claimant and first.claimant != second.claimant:
        causes.append(f"different claimants ({first.claimant} vs {second.claimant})")
    if first.published and second.published and first.published != second.published:
        causes.append(f"different report dates ({first.published} vs {second.published}); the later may be an update")
    round_figures = [c.amount.text for c in (first, second) if c.amount.point and _is_round(c.amount.point)]
    if round_figures and gap < 0.15:
        causes.append(f"rounding ({', '.join(round_figures)} looks rounded)")
    if first.source_id == second.source_id:
        causes.append("both figures are in the same article")
    if a.stated is not None and b.stated is not None:
        low, high = sorted((a.stated, b.stated))
        gap_text = f"The figures are {_number(low)} and {_number(high)}, {(high - low) / high:.0%} apart."
    else:
        gap_text = f"The figures are {gap:.0%} apart even at the ends of their ranges."
    return gap_text + (" Likely cause: " + "; ".join(causes) + "." if causes else " No cause is stated in the sources.")


def _measure_name(a: StatedClaim, b: StatedClaim) -> str:
    things = sorted(set(a.amount.things) | set(b.amount.things)) or [a.amount.unit or "amount"]
    role = a.amount.role or b.amount.role
    return " and ".join(things) + (f" {role.replace('_', ' ')}" if role else "")


def _label(quantity: Quantity) -> str:
    return quantity.text


def _number(value: float) -> str:
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= scale:
            return f"{value / scale:,.3g}{suffix}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _drop_redundant(disagreements: list[Disagreement]) -> list[Disagreement]:
    """A breakdown conflict (500 vs 539 + 11 = 550) supersedes the same
    claims' part-vs-whole conflict (500 vs 539 alone)."""
    covered = [d.key() for d in disagreements if any(len(side.claims) > 1 for side in d.sides)]
    return [
        d for d in disagreements if any(len(s.claims) > 1 for s in d.sides) or not any(d.key() < key for key in covered)
    ]


# ---- dates, names, classes ---------------------------------------------------

VALUE_KINDS = ("qualitative", "date", "entity")


def _qualitative(a: StatedClaim, b: StatedClaim) -> Disagreement:
    kind = a.kind if a.kind in VALUE_KINDS else "qualitative"
    return value_conflict(kind, a.measure, [[a], [b]])


def value_conflict(kind: str, measure: str, groups: list[list[StatedClaim]]) -> Disagreement:
    """Sources that give different values (a date, a name, a class) for one
    thing: one side per value, most supported first, each attributed to
    whoever asserts it; the explanation says which value more sources give,
    and which sources they are."""
    groups = sorted(groups, key=lambda group: (-len({c.source_id for c in group}), group[0].category or ""))
    sides = [Side(group, 0, 0, _value_label(group)) for group in groups]
    counts = [len({c.source_id for c in group}) for group in groups]
    explanation = (
        f"The sources give {len(groups)} different answers, which cannot all be right: "
        + "; ".join(f"{side.claims[0].category} in {_sources(side.claims)}" for side in sides)
        + "."
    )
    if counts[0] > counts[1]:
        explanation += f" More sources give {groups[0][0].category} ({counts[0]} against {counts[1]})."
    dates = sorted({c.published for c in (groups[0][0], groups[1][0]) if c.published})
    if len(dates) > 1:
        explanation += f" The reports are from different dates ({' and '.join(dates)}); the later may be an update."
    return _conflict(kind, "major", measure, sides, explanation, gap=1.0)


def _value_label(group: list[StatedClaim]) -> str:
    who = sorted({c.claimant for c in group if c.claimant})
    return f"{group[0].category}" + (f" ({', '.join(who)})" if who else "")


def _sources(claims: list[StatedClaim]) -> str:
    titles = list(dict.fromkeys(f"“{c.title}”" if c.title else c.source_id for c in claims))
    return ", ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")


def _merge_qualitative(disagreements: list[Disagreement]) -> list[Disagreement]:
    """One conflict per thing in dispute: the claims of pairwise conflicts
    that share a claim are one dispute, its sides the values (a value
    given in several words, "SRBM" and "short-range ballistic
    missile", is one side)."""
    components: list[dict[str, StatedClaim]] = []
    for disagreement in disagreements:
        members = {c.id: c for c in disagreement.claims}
        touching = [group for group in components if set(group) & set(members)]
        for group in touching:
            members.update(group)
            components.remove(group)
        components.append(members)
    results = []
    for component in components:
        claims = sorted(component.values(), key=lambda c: (c.source_id, c.start))
        groups: list[list[StatedClaim]] = []
        for claim in claims:
            home = next((g for g in groups if same_value(g[0].category or "", claim.category or "")), None)
            if home is None:
                groups.append([claim])
            else:
                home.append(claim)
        if len(groups) > 1:
            kind = claims[0].kind if claims[0].kind in VALUE_KINDS else "qualitative"
            results.append(value_conflict(kind, claims[0].measure, groups))
    return results
