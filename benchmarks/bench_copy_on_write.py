"""What a crash-safe write costs: an embedded store's writer copies the live
folder, writes into the copy, fsyncs it and names it live
(consistency/index/generations.py). This times the copy and the publish on
a Chroma folder of N random 384-dimension vectors with documents and
metadata like ours (no embedding model: the vectors are random, which
changes nothing for the files).

    python -m benchmarks.bench_copy_on_write [--vectors 50000]

Prints JSON: vectors, store size, copy and publish seconds, the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from consistency.index.generations import LEGACY, Generations

from .bench_ingest_ask import machine

BATCH = 5000


def build(folder: Path, vectors: int) -> None:
    import chromadb

    client = chromadb.PersistentClient(str(folder))
    collection = client.get_or_create_collection("consistency_passages", metadata={"hnsw:space": "cosine"})
    rng = np.random.default_rng(0)
    for begin in range(0, vectors, BATCH):
        ids = range(begin, min(begin + BATCH, vectors))
        collection.add(
            ids=[f"p{i}" for i in ids],
            embeddings=rng.standard_normal((len(ids), 384)).astype("float32").tolist(),
            documents=[f"Officials said {i} containers were unloaded at dock {i % 40} on day {i % 365}." for i in ids],
            metadatas=[{"source_id": f"s{i // 20}", "path": f"/news/{i // 20}.txt", "end": 80} for i in ids],
        )
    client.close()


def size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=50_000)
    vectors = parser.parse_args().vectors
    root = Path(tempfile.mkdtemp(prefix="bench-cow-"))
    try:
        build(root / LEGACY, vectors)
        generations = Generations(root)
        started = time.perf_counter()
        copy = generations.copy(LEGACY)
        copied = time.perf_counter()
        generations.publish(copy)
        published = time.perf_counter()
        figures = {
            "vectors": vectors,
            "store_mb": size_mb(root / LEGACY),
            "copy_seconds": round(copied - started, 3),
            "fsync_and_publish_seconds": round(published - copied, 3),
            "machine": machine(llm_backend="not used"),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
