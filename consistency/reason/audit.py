"""The store -> every conflict in it, without a question.

Claims are compared only with their nearest neighbours by context vector,
found with Chroma's HNSW index, and only within their own group (same
counted thing, unit or measure): the work grows about linearly with the
corpus instead of comparing every claim with every other.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations, product

import numpy as np

from ..extract.claims import find_claimant, group_keys
from ..index.store import Store
from ..models import AuditReport, Mention, Passage, StatedClaim
from ..text.countries import is_country
from ..text.dates import WrittenDate
from ..text.names import same_value
from ..text.sentences import sentence_spans
from ..text.terms import terms
from .citations import Citations, conflict_sentences
from .conflicts import find_conflicts, rank, value_conflict
from .interface import ClaimComparator, ClaimSet, Disagreement

# Nearest claims looked at per claim, over all groups: a claim's own group
# dominates its neighbourhood, since claims about drones sit in passages
# about drones.
NEIGHBOURS = 30
SMALL_GROUP = 60
BATCH = 512


def audit(store: Store, comparator: ClaimComparator, limit: int | None = None) -> AuditReport:
    started = time.perf_counter()
    claim_set = ClaimSet.of(store.all_claims())
    disagreements = find_conflicts(claim_set, candidate_pairs(store, claim_set), comparator)
    disagreements = rank(disagreements + restated_with_other_values(store.all_passages()))
    total = len(disagreements)
    if limit is not None:
        disagreements = disagreements[:limit]
    involved = {c.source_id for d in disagreements for c in d.claims}
    citations = Citations(conflict_sentences(disagreements, []), store.sources(sorted(involved)))
    return AuditReport(
        conflicts=[citations.conflict(d) for d in disagreements if citations.covers(d)],
        citations=citations.list,
        sources=store.counts()[0],
        claims=len(claim_set.claims),
        seconds=round(time.perf_counter() - started, 3),
        total=total,
    )


def candidate_pairs(store: Store, claim_set: ClaimSet) -> list[tuple[StatedClaim, StatedClaim]]:
    """Every pair inside a small group; nearest neighbours inside a large
    one. Each claim costs at most SMALL_GROUP comparisons either way."""
    members: dict[str, list[StatedClaim]] = defaultdict(list)
    for claim in claim_set.claims:
        for key in group_keys(claim):
            members[key].append(claim)
    pairs: dict[frozenset[str], tuple[StatedClaim, StatedClaim]] = {}
    for group in members.values():
        if len(group) <= SMALL_GROUP:
            for a, b in combinations(group, 2):
                pairs.setdefault(frozenset((a.id, b.id)), (a, b))
    large = [c for group in members.values() if len(group) > SMALL_GROUP for c in group]
    pairs.update(_neighbour_pairs(store, claim_set, list({c.id: c for c in large}.values())))
    return [(a, b) for a, b in pairs.values() if not _told_of_other_places(a, b)]


def _told_of_other_places(a: StatedClaim, b: StatedClaim) -> bool:
    """Two sources that name places and none in common tell of two places:
    across a whole archive, "58 trucks reached X" and "5 trucks reached Y"
    are two convoys, though neither sentence names its place the way a
    claim's place is read. (A question's own sources are about one thing,
    so ask does not need this.) Two countries, or two sets of towns, with
    none in common are two places; a country against towns tells nothing."""
    mine, theirs = set(a.source_places), set(b.source_places)
    if not (mine and theirs) or mine & theirs:
        return False
    # A country one names may hold the other's towns: then nothing is told.
    countries = [any(is_country(place) for place in places) for places in (mine, theirs)]
    return countries[0] == countries[1]


def _neighbour_pairs(
    store: Store, claim_set: ClaimSet, claims: list[StatedClaim]
) -> dict[frozenset[str], tuple[StatedClaim, StatedClaim]]:
    by_id = {c.id: c for c in claim_set.claims}
    groups = {c.id: set(group_keys(c)) for c in claim_set.claims}
    pairs: dict[frozenset[str], tuple[StatedClaim, StatedClaim]] = {}
    for begin in range(0, len(claims), BATCH):
        batch = claims[begin : begin + BATCH]
        vectors = np.stack([claim_set.vectors[c.id] for c in batch])
        for claim, neighbour_ids in zip(batch, store.claim_neighbours(vectors, NEIGHBOURS), strict=True):
            for other_id in neighbour_ids:
                other = by_id.get(other_id)
                if other is not None and other_id != claim.id and groups[claim.id] & groups[other_id]:
                    pairs.setdefault(frozenset((claim.id, other_id)), (claim, other))
    return pairs


# ---- the same sentence, another value ----------------------------------------

SAME_STATEMENT = 0.8  # Jaccard of two sentences' terms once their names and dates are taken out
MIN_STATEMENT_TERMS = 5


@dataclass
class _Statement:
    source_id: str
    title: str
    published: str | None
    start: int
    end: int
    text: str
    values: dict[str, list[Mention]]  # by kind
    rest: frozenset[str]


def restated_with_other_values(passages: list[Passage]) -> list[Disagreement]:
    """Sources that make the same statement about the same subject with
    another date or name ("X was founded in 1856" / "X was founded in
    1900"; "the clean-up in X was led by A" / "by B"): their sentences'
    words agree once the values are taken out, every other value is the
    same, and one differs, compared by code. The name a source is about
    (in its title, or the one it names most) is where the statement is
    made, not what it says: "Schools in X closed" and "Schools in Y
    closed", in articles about X and Y, do not conflict. Statements meet
    only through the values they share, and only where their values
    differ, so an archive repeating one template about thousands of places
    costs a pass over it, not a comparison of every pair."""
    groups: dict[tuple, dict[str, list[tuple[_Statement, Mention]]]] = defaultdict(lambda: defaultdict(list))
    for statement in _statements(passages):
        for kind, mentions in statement.values.items():
            (value,) = mentions if len(mentions) == 1 else (None,)  # several of one kind: which answers is unclear
            if value is None or (kind != "date" and _in_title(value, statement.title)):
                continue
            others = frozenset((k, m.key) for k, ms in statement.values.items() if k != kind for m in ms)
            # A date alone is what the sentence says of a subject in its words
            # ("Harbor Mills was founded in 1856", where no name was read); a
            # name alone may be the subject itself.
            if others or kind == "date":
                key = (tuple(sorted(statement.rest))[:3], kind, others)
                groups[key][value.key].append((statement, value))
    found: list[Disagreement] = []
    for (_, kind, _), by_value in groups.items():
        for one, other in combinations(by_value.values(), 2):
            for (a, x), (b, y) in product(one, other):
                same_statement = a.source_id != b.source_id and _jaccard(a.rest, b.rest) >= SAME_STATEMENT
                if same_statement and not _compatible(kind, x, y):
                    found.append(_value_conflict(kind, (a, x), (b, y)))
    return found


def _in_title(mention: Mention, title: str) -> bool:
    """Whether the source's title names it (however the recogniser cut the name)."""
    return re.search(rf"(?<!\w){re.escape(mention.text.casefold())}(?!\w)", title.casefold()) is not None


def _statements(passages: list[Passage]) -> list[_Statement]:
    statements = []
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            at, until = passage.start + start, passage.start + end
            values: dict[str, list[Mention]] = defaultdict(list)
            for mention in passage.mentions:
                if at <= mention.start and mention.end <= until and mention.kind != "group":
                    values[mention.kind].append(mention)
            if not values:
                continue
            text = passage.text[start:end]
            masked = text
            for mention in sorted((m for ms in values.values() for m in ms), key=lambda m: -m.start):
                masked = masked[: mention.start - at] + " " + masked[mention.end - at :]
            rest = frozenset(terms(masked))
            if len(rest) >= MIN_STATEMENT_TERMS:
                statements.append(
                    _Statement(passage.source_id, passage.title, passage.published, at, until, text, values, rest)
                )
    return statements


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def _value_conflict(kind: str, *sides: tuple[_Statement, Mention]) -> Disagreement:
    measure = f"{'date' if kind == 'date' else kind} in “{_shorten(sides[0][0].text)}”"
    claims = [_value_claim(statement, mention, kind, measure) for statement, mention in sides]
    return value_conflict(claims[0].kind, measure, [[claim] for claim in claims])


def _compatible(kind: str, x: Mention, y: Mention) -> bool:
    if kind == "date":
        return _date(x.key).compatible(_date(y.key))
    return same_value(x.text, y.text)


def _date(iso: str) -> WrittenDate:
    return WrittenDate.from_iso(iso) or WrittenDate(0, None, None)


def _value_claim(statement: _Statement, mention: Mention, kind: str, measure: str) -> StatedClaim:
    return StatedClaim(
        id=f"{statement.source_id}~{statement.start}~{mention.start}",
        source_id=statement.source_id,
        title=statement.title,
        published=statement.published,
        start=statement.start,
        end=statement.end,
        sentence=statement.text,
        kind="date" if kind == "date" else "entity",
        measure=measure,
        category=mention.text,
        claimant=find_claimant(statement.text),
    )


def _shorten(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
