"""Question -> passages: vector search and BM25, fused by reciprocal rank.

Dense vectors find paraphrases ("aerial assault" for "air attack"); BM25
finds the rare exact words that matter in news (names, places, model numbers).
The lexical index is built from the store on first use and rebuilt when the
store's revision changes.
"""

from __future__ import annotations

import threading

import numpy as np

from ..models import Filters, Passage
from ..text.terms import terms
from .embed import MiniLM
from .lexical import LexicalIndex
from .store import Store

RRF_K = 60  # the usual constant: flattens the head of each ranking
CANDIDATES_PER_RANKER = 30
# The passages each ranker puts first are read whatever the other thinks:
# a paraphrase BM25 does not list (or a rare name the vectors miss) would
# otherwise lose to passages both rank in the middle.
HEAD_PER_RANKER = 2


class Retriever:
    def __init__(self, store: Store, model: MiniLM):
        self.store = store
        self.model = model
        self._lexical: LexicalIndex | None = None
        self._lexical_revision: str | None = None
        # A server's threads share one index: after an ingest, one thread
        # rebuilds it while the others wait, instead of each building its own.
        self._lexical_lock = threading.Lock()

    def lexical(self) -> LexicalIndex:
        revision = self.store.revision()
        with self._lexical_lock:
            if self._lexical is None or revision != self._lexical_revision:
                saved = self.store.saved_lexical(revision)
                if saved is None:
                    saved = LexicalIndex(self.store.all_passages())
                    self.store.keep_lexical(revision, saved)
                self._lexical = saved
                self._lexical_revision = revision
            return self._lexical

    def retrieve(self, question: str, top_k: int, filters: Filters | None = None) -> list[Passage]:
        """The top_k passages by fused rank; `score` is each one's cosine
        similarity to the question (comparable across questions)."""
        question_vector = self.model.embed_one(question)
        active = filters if filters and (filters.sources or filters.since or filters.until) else None
        dense = self.store.nearest(question_vector, CANDIDATES_PER_RANKER, active)
        allowed = self.store.passage_ids(active) if active else None
        sparse = self.lexical().search(terms(question), CANDIDATES_PER_RANKER, allowed)
        fused = _fuse([dense, sparse], top_k)
        self._attach_cosines(fused, dense, question_vector)
        return fused

    def _attach_cosines(self, fused: list[Passage], dense: list[Passage], question_vector: np.ndarray) -> None:
        cosine = {p.id: p.score for p in dense}
        missing = [p.id for p in fused if p.id not in cosine]
        for passage_id, vector in self.store.embeddings(missing).items():
            cosine[passage_id] = float(vector @ question_vector)
        for passage in fused:
            passage.score = cosine.get(passage.id, 0.0)


def _fuse(rankings: list[list[Passage]], top_k: int) -> list[Passage]:
    """The top_k by reciprocal rank, with every ranker's head among them
    (at most a quarter of the places, so that agreement still fills most)."""
    ordered = _reciprocal_rank_fusion(rankings)
    per_ranker = min(HEAD_PER_RANKER, top_k // 4)
    chosen = {passage.id for ranking in rankings for passage in ranking[:per_ranker]}
    for passage in ordered:
        if len(chosen) >= top_k:
            break
        chosen.add(passage.id)
    return [passage for passage in ordered if passage.id in chosen]


def _reciprocal_rank_fusion(rankings: list[list[Passage]]) -> list[Passage]:
    scores: dict[str, float] = {}
    first_seen: dict[str, Passage] = {}
    for ranking in rankings:
        for rank, passage in enumerate(ranking):
            scores[passage.id] = scores.get(passage.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            first_seen.setdefault(passage.id, passage)
    ordered = sorted(scores, key=scores.__getitem__, reverse=True)
    return [first_seen[passage_id].model_copy() for passage_id in ordered]
