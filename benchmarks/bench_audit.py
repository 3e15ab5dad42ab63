"""Audit benchmark: prints figures, asserts nothing.

    python benchmarks/bench_audit.py                      # 500, 1,000 and 5,000 articles
    python benchmarks/bench_audit.py --sizes 200 400      # a quick check
    python benchmarks/bench_audit.py --json

One store grows through the sizes (each step ingests only the new
articles), and `Checker.audit` runs on it at each size: claims in the store,
seconds, and microseconds per claim. Close-to-linear growth shows as a
roughly constant time per claim. The synthetic articles are those of
bench_ingest_ask.py (same generator, same seed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest_ask import machine, synthetic_article, without_llm

from consistency import Checker


def grow_corpus(folder: Path, start: int, stop: int, rng: random.Random) -> Path:
    """New articles, each with a publication date over four years (as a
    news archive has), in a metadata.json that ingest reads."""
    batch = folder / f"batch_{start:05d}_{stop:05d}"
    batch.mkdir(parents=True)
    metadata = {}
    for number in range(start, stop):
        name = f"article_{number:05d}.txt"
        (batch / name).write_text(synthetic_article(rng), encoding="utf-8")
        metadata[name] = {"published": f"{rng.randint(2022, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    (batch / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return batch


def measure(sizes: list[int], seed: int) -> dict:
    at_start = machine()
    rng = random.Random(seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        checker = Checker(settings=without_llm(Path(tmp) / "store"))
        have = 0
        for size in sizes:
            began = time.perf_counter()
            checker.ingest([grow_corpus(Path(tmp) / "articles", have, size, rng)])
            ingest_seconds = time.perf_counter() - began
            have = size
            checker.audit()  # warm: imports and the first HNSW load are not the audit
            began = time.perf_counter()
            report = checker.audit()
            seconds = time.perf_counter() - began
            rows.append(
                {
                    "articles": size,
                    "claims": report.claims,
                    "conflicts": len(report.conflicts),
                    "audit_seconds": round(seconds, 3),
                    "us_per_claim": round(seconds / max(report.claims, 1) * 1e6, 1),
                    "ingest_seconds_for_step": round(ingest_seconds, 1),
                }
            )
            print(
                f"{size:>6} articles  {report.claims:>6} claims  {len(report.conflicts):>5} conflicts  "
                f"audit {seconds:7.2f} s  {rows[-1]['us_per_claim']:>8.1f} µs/claim",
                flush=True,
            )
    return {"machine": at_start, "rows": rows, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 5000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    args = parser.parse_args()
    figures = measure(sorted(args.sizes), args.seed)
    first, last = figures["rows"][0], figures["rows"][-1]
    growth = (last["audit_seconds"] / first["audit_seconds"]) / (last["claims"] / first["claims"])
    print(
        f"time grew {last['audit_seconds'] / first['audit_seconds']:.1f}x for "
        f"{last['claims'] / first['claims']:.1f}x the claims "
        f"(1.0 = linear; {growth:.2f} here)"
    )
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
