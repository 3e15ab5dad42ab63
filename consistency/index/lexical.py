"""The lexical index: BM25 over every stored passage (bm25s), for the rare
exact words that matter in news (names, places, model numbers) and that
dense vectors blur.

Building it means reading every passage from Chroma and tokenising it: a
few seconds at tens of thousands of passages, which a one-shot `consistency
ask` would pay every time. So the writer of an embedded store saves it
beside the state it describes (store.py), and a reader loads that copy; a
reader of a Chroma server keeps the one it built in the local cache, under
the server's state.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..models import Passage
from ..text.terms import TERMS_VERSION, terms

_PASSAGES = "passages.jsonl"
_IDS = "ids.json"  # each passage's id and source id, read without parsing the passages
_TERMS = "terms-version"
_FREQUENCY = "document_frequency.json"
_BM25 = "bm25"


class LexicalIndex:
    def __init__(
        self,
        passages: Sequence[Passage],
        built: tuple[Counter[str], Any] | None = None,
        ids: list[tuple[str, str]] | None = None,
    ):
        import bm25s

        # bm25s sets its own logger to DEBUG: under a server's logging
        # set-up every index rebuild would print.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.passages = passages
        self.ids = ids if ids is not None else [(p.id, p.source_id) for p in passages]
        self._bm25: Any
        if built is not None:
            self.document_frequency, self._bm25 = built
            return
        tokenized = [terms(f"{p.title} {p.text}") for p in passages]
        self.document_frequency = Counter(t for doc in tokenized for t in set(doc))
        self._bm25 = bm25s.BM25()
        if passages:
            self._bm25.index(tokenized, show_progress=False)

    def source_ids(self) -> set[str]:
        return {source_id for _, source_id in self.ids}

    def save(self, folder: Path) -> None:
        """Writes the index into `folder` (which must not exist yet)."""
        folder.mkdir(parents=True)
        with open(folder / _PASSAGES, "w", encoding="utf-8") as handle:
            for passage in self.passages:
                handle.write(passage.model_dump_json() + "\n")
        (folder / _IDS).write_text(json.dumps(self.ids), encoding="utf-8")
        (folder / _FREQUENCY).write_text(json.dumps(self.document_frequency), encoding="utf-8")
        (folder / _TERMS).write_text(TERMS_VERSION, encoding="utf-8")
        if self.passages:
            self._bm25.save(str(folder / _BM25), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The index `save` wrote; raises (OSError, ValueError) when it is
        incomplete, damaged or built with other terms: the caller builds it
        again instead."""
        import bm25s

        if (folder / _TERMS).read_text(encoding="utf-8") != TERMS_VERSION:
            raise ValueError(f"the saved lexical index at {folder} was built with other search terms")
        with open(folder / _PASSAGES, encoding="utf-8") as handle:
            passages = _Saved(handle.read().splitlines())
        ids = [(passage_id, source_id) for passage_id, source_id in json.loads((folder / _IDS).read_text("utf-8"))]
        if len(ids) != len(passages):
            raise ValueError(f"the saved lexical index at {folder} does not match its passages")
        frequency = Counter(json.loads((folder / _FREQUENCY).read_text(encoding="utf-8")))
        bm25 = bm25s.BM25.load(str(folder / _BM25), show_progress=False) if passages else bm25s.BM25()
        index = cls(passages, built=(frequency, bm25), ids=ids)
        if passages and index._bm25.scores["num_docs"] != len(passages):
            raise ValueError(f"the saved lexical index at {folder} does not match its passages")
        return index

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
            mask = np.array([passage_id in allowed for passage_id, _ in self.ids], dtype=np.float32)
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


class _Saved(Sequence[Passage]):
    """A saved index's passages, each parsed when first read: a question
    reads a few dozen, and parsing all of 100,000 took seconds of every
    one-shot `consistency ask`."""

    def __init__(self, lines: list[str]):
        self._lines = lines
        self._parsed: dict[int, Passage] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, index):  # an int: nothing slices the index
        if index not in self._parsed:
            self._parsed[index] = Passage.model_validate_json(self._lines[index])
        return self._parsed[index]
