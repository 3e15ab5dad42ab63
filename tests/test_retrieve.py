"""Fusing the two rankings: what each ranker is surest of is read, whatever
the other thinks. A pure function, tested on made-up rankings; the rankers
themselves run against a real store in test_ask.py and test_lexical.py."""

from __future__ import annotations

from consistency.index.retrieve import HEAD_PER_RANKER, _fuse
from consistency.models import Passage


def passages(*names: str) -> list[Passage]:
    return [Passage(id=name, source_id="s", title="t", start=0, end=1, text=name) for name in names]


def test_a_passage_one_ranker_puts_first_is_read_though_the_other_ranks_it_low():
    middling = [f"m{i}" for i in range(10)]
    dense = passages("paraphrase", *middling)  # the vectors' best match shares few words with the question
    sparse = passages(*middling, *[f"w{i}" for i in range(30)])  # and BM25 does not list it at all
    fused = [p.id for p in _fuse([dense, sparse], 8)]
    assert len(fused) == 8 and "paraphrase" in fused
    assert fused[:2] == ["m0", "m1"]  # the fused order is kept: both rankers' agreement still comes first


def test_every_rankers_head_is_kept_and_the_rest_filled_by_fused_rank():
    dense = passages("d0", "d1", "both", "d3")
    sparse = passages("s0", "s1", "both", "s3")
    fused = {p.id for p in _fuse([dense, sparse], 5)}
    heads = {"d0", "d1", "s0", "s1"}
    assert HEAD_PER_RANKER == 2 and heads <= fused and "both" in fused and len(fused) == 5
    assert [p.id for p in _fuse([dense, sparse], 2)] == ["both", "d0"]  # few places: agreement first
