"""The store -> every conflict in it, without a question.

Claims are compared only with their nearest neighbours (by context vector)
inside their own group (same counted thing, unit or measure), found with
Chroma's HNSW index: the work grows about linearly with the corpus instead
of comparing every claim with every other.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from .answer import conflict_sentences
from .cite import Citations
from .claims import group_keys
from .conflicts import ClaimSet, find_conflicts
from .models import AuditReport, StatedClaim
from .store import Store

NEIGHBOURS = 12


def audit(store: Store, limit: int | None = None) -> AuditReport:
    started = time.perf_counter()
    claim_set = ClaimSet.of(store.all_claims())
    disagreements = find_conflicts(claim_set, candidate_pairs(store, claim_set))
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
    groups: dict[str, list[StatedClaim]] = defaultdict(list)
    for claim in claim_set.claims:
        for key in group_keys(claim):
            groups[key].append(claim)
    by_id = {c.id: c for c in claim_set.claims}
    pairs: dict[frozenset[str], tuple[StatedClaim, StatedClaim]] = {}
    for key, members in groups.items():
        if len(members) < 2:
            continue
        vectors = np.stack([claim_set.vectors[c.id] for c in members])
        k = min(NEIGHBOURS, len(members))
        for begin in range(0, len(members), 256):
            batch = members[begin : begin + 256]
            for claim, neighbour_ids in zip(batch, store.claim_neighbours(key, vectors[begin : begin + 256], k)):
                for other_id in neighbour_ids:
                    if other_id != claim.id and other_id in by_id:
                        pairs.setdefault(frozenset((claim.id, other_id)), (claim, by_id[other_id]))
    return list(pairs.values())
