"""The lexical index: BM25 over every stored passage (bm25s), for the rare
exact words that matter in news (names, places, model numbers) and that
dense vectors blur.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np

from ..models import Passage
from ..text.terms import terms


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

    def known(self, term: str) -> bool:
        """Does any stored passage use the term? A question's word the corpus
        never uses is a paraphrase: no sentence can be credited for it."""
        return term in self.document_frequency

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
