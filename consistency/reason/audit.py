"""The store -> every conflict in it, without a question.

Claims are compared only with their nearest neighbours by context vector,
found with Chroma's HNSW index, and only within their own group (same
counted thing, unit or measure): the work grows about linearly with the
corpus instead of comparing every claim with every other.
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import combinations

import numpy as np

from ..extract.claims import group_keys
from ..index.store import Store
from ..models import AuditReport, StatedClaim
from .citations import Citations, conflict_sentences
from .conflicts import find_conflicts
from .interface import ClaimComparator, ClaimSet

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
