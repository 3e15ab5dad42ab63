"""The store -> every conflict in it, without a question.

Claims are compared only with their nearest neighbours by context vector,
found with Chroma's HNSW index, and only within their own group (same
counted thing, unit or measure): the work grows about linearly with the
corpus instead of comparing every claim with every other.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..extract.claims import find_claimant, group_keys
from ..index.store import Store
from ..models import AuditReport, Mention, Passage, StatedClaim
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
    return list(pairs.values())


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
    """Sources that make the same statement with another date or name ("X
    was founded in 1856" / "X was founded in 1900"; "directed by A" /
    "directed by B"): found by their sentences' words once the values are
    taken out, compared by code."""
    statements = _statements(passages)
    by_terms: dict[tuple[str, ...], list[_Statement]] = defaultdict(list)
    for statement in statements:
        by_terms[tuple(sorted(statement.rest))[:3]].append(statement)
    found: list[Disagreement] = []
    seen: set[frozenset[tuple[str, int]]] = set()
    for group in by_terms.values():
        for a, b in combinations(group, 2):
            key = frozenset({(a.source_id, a.start), (b.source_id, b.start)})
            if a.source_id == b.source_id or key in seen or _jaccard(a.rest, b.rest) < SAME_STATEMENT:
                continue
            seen.add(key)
            found.extend(_other_values(a, b))
    return found


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


def _other_values(a: _Statement, b: _Statement) -> list[Disagreement]:
    """A value of one kind that one statement gives where the other gives a
    different one of that kind (and no value of the same kind in common)."""
    found = []
    for kind in set(a.values) & set(b.values):
        mine, theirs = a.values[kind], b.values[kind]
        if len(mine) != 1 or len(theirs) != 1:
            continue  # several names of one kind: which answers which is not clear
        x, y = mine[0], theirs[0]
        if _compatible(kind, x, y):
            continue
        measure = f"{'date' if kind == 'date' else kind} in “{_shorten(a.text)}”"
        claims = [_value_claim(s, m, kind, measure) for s, m in ((a, x), (b, y))]
        found.append(value_conflict(claims[0].kind, measure, [[claims[0]], [claims[1]]]))
    return found


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
