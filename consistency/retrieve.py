"""Question -> passages: vector search and BM25, fused by reciprocal rank.

Dense vectors find paraphrases ("aerial assault" for "air attack"); BM25
finds the rare exact words that matter in news (names, places, "Oreshnik").
The lexical index is built from the store on first use and rebuilt when the
store's revision changes.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from functools import lru_cache

import numpy as np

from .embed import MiniLM
from .models import Filters, Passage
from .store import Store

RRF_K = 60  # the usual constant: flattens the head of each ranking
CANDIDATES_PER_RANKER = 30

_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves many much according said says also
    kind type sort exactly s least""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


# Words that news reports use interchangeably for the same fact ("the
# biggest attack" is "a record attack"). Each group folds to its first stem.
_SYNONYM_GROUPS = [
    ["record", "biggest", "largest", "heaviest"],
    ["attack", "assault", "strike", "barrag", "bombard", "raid"],
    ["use", "launch", "fire"],
    ["kill", "dead", "death"],
    ["injur", "injuri", "wound"],
    ["soldier", "troop"],
    # "shot down", "downing", "intercepted": "down" alone is a stopword.
    ["intercept", "shoot", "shot", "down"],
    ["destroy", "destruct"],
]
_CANONICAL = {word: group[0] for group in _SYNONYM_GROUPS for word in group}


@lru_cache(maxsize=1)
def _stemmer():
    # Snowball (Porter2): imports in 20 ms where nltk's Porter takes 1.2 s.
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if word[:1].isdigit():
        return word.replace(",", "")  # 11,000 -> 11000
    stem = _stemmer().stemWord(word)
    return _CANONICAL.get(stem, stem)


def terms(text: str) -> list[str]:
    """Search terms: lower-cased, stopwords dropped, stemmed, with
    news synonyms folded together."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [_stem(w) for w in words if w not in _STOPWORDS]


class LexicalIndex:
    def __init__(self, passages: list[Passage]):
        import bm25s

        # bm25s sets its own logger to DEBUG: under a server's logging
        # set-up every index rebuild would print.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.passages = passages
        self.position = {p.id: i for i, p in enumerate(passages)}
        tokenized = [terms(f"{p.title} {p.text}") for p in passages]
        self.document_frequency = Counter(t for doc in tokenized for t in set(doc))
        self._bm25 = bm25s.BM25()
        if passages:
            self._bm25.index(tokenized, show_progress=False)

    def idf(self, term: str) -> float:
        df = self.document_frequency.get(term, 0)
        n = max(len(self.passages), 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, question_terms: list[str], k: int, allowed: set[str] | None) -> list[Passage]:
        known = [t for t in question_terms if t in self.document_frequency]
        if not known or not self.passages:
            return []
        mask = None
        if allowed is not None:
            mask = np.array([p.id in allowed for p in self.passages], dtype=np.float32)
        scores = self._bm25.get_scores(known, weight_mask=mask)
        top = np.argsort(-scores)[:k]
        results = []
        for index in top:
            if scores[index] <= 0:
                break
            passage = self.passages[index].model_copy()
            passage.score = float(scores[index])
            results.append(passage)
        return results


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
                self._lexical = LexicalIndex(self.store.all_passages())
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
        fused = _reciprocal_rank_fusion([dense, sparse])[:top_k]
        self._attach_cosines(fused, dense, question_vector)
        return fused

    def _attach_cosines(self, fused: list[Passage], dense: list[Passage], question_vector: np.ndarray) -> None:
        cosine = {p.id: p.score for p in dense}
        missing = [p.id for p in fused if p.id not in cosine]
        for passage_id, vector in self.store.embeddings(missing).items():
            cosine[passage_id] = float(vector @ question_vector)
        for passage in fused:
            passage.score = cosine.get(passage.id, 0.0)


def _reciprocal_rank_fusion(rankings: list[list[Passage]]) -> list[Passage]:
    scores: dict[str, float] = {}
    first_seen: dict[str, Passage] = {}
    for ranking in rankings:
        for rank, passage in enumerate(ranking):
            scores[passage.id] = scores.get(passage.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            first_seen.setdefault(passage.id, passage)
    ordered = sorted(scores, key=scores.__getitem__, reverse=True)
    return [first_seen[passage_id].model_copy() for passage_id in ordered]
