"""Load on the HTTP API: prints figures, and exits non-zero on any error.

    python benchmarks/bench_serve_load.py                       # 20 clients, 30 s, ingest alongside
    python benchmarks/bench_serve_load.py --clients 5 --seconds 10 --json

A real `consistency serve --http --llm none` process on a free loopback
port, a fresh store with the bundled corpus ingested through POST /ingest.
Then N client threads ask the gold questions (POST /ask, one in ten a POST
/check) as fast as answers come back, for the given time, while one more
thread drops new articles into the served folder and rewrites one file,
calling POST /ingest every couple of seconds. Every request is bounded by
the run's deadline; all traffic stays on 127.0.0.1.

Afterwards, with the server stopped, the store is checked: SQLite's
integrity check, every source holding exactly the passages it should, every
quote any client was shown still verbatim in its source (except the file
that was rewritten on purpose), and the record-attack conflict still found.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.bench_ingest_ask import machine, synthetic_article
from consistency import Checker
from consistency.config import bundled_path
from consistency.index.generations import live_folder
from tests.server_process import running_server

MAX_REQUESTS_PER_CLIENT = 10_000  # a bound in count as well as in time
REWRITTEN = "rewritten"  # the file the ingest thread keeps changing
DRONES = "How many drones were used in the record overnight attack?"


@dataclass
class Tally:
    """What the client threads saw, shared under a lock."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    quotes: set[tuple[str, int, int, str]] = field(default_factory=set)
    ingests: list[float] = field(default_factory=list)
    ingested_files: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, seconds: float, body: dict) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.quotes.update((c["source"], c["start"], c["end"], c["quote"]) for c in body.get("citations", []))

    def failed(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def gold_lines(name: str, key: str) -> list[str]:
    text = (bundled_path("eval") / name).read_text(encoding="utf-8")
    return [json.loads(line)[key] for line in text.splitlines() if line.strip()]


def client(url: str, deadline: float, seed: int, asked: list[str], claimed: list[str], tally: Tally) -> None:
    """One user: asks (one request in ten checks a claim) until the deadline."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as http:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if (left := deadline - time.monotonic()) <= 0:
                return
            path, body = (
                ("/check", {"claim": rng.choice(claimed)})
                if rng.random() < 0.1
                else ("/ask", {"question": rng.choice(asked)})
            )
            started = time.monotonic()
            try:
                response = http.post(path, json=body, timeout=max(left, 1) + 30)
            except httpx.HTTPError as error:
                tally.failed(f"{path}: {type(error).__name__}: {error}")
                continue
            if response.status_code != 200:
                tally.failed(f"{path} {response.status_code}: {response.text[:200]}")
            else:
                tally.answered(time.monotonic() - started, response.json())


def feeder(url: str, inbox: Path, deadline: float, every: float, tally: Tally) -> None:
    """A newsroom feed: new articles and one rewritten file, ingested
    through the API while the clients ask."""
    rng = random.Random(7)
    live = inbox / "live"
    live.mkdir()
    with httpx.Client(base_url=url, timeout=120) as http:
        for round_number in range(10_000):
            if time.monotonic() + every > deadline:
                return
            time.sleep(every)
            for number in range(2):
                (live / f"feed_{round_number:04d}_{number}.txt").write_text(synthetic_article(rng), encoding="utf-8")
            (live / f"{REWRITTEN}.txt").write_text(synthetic_article(rng), encoding="utf-8")
            started = time.monotonic()
            response = http.post("/ingest", json={"paths": ["live"]})
            files = response.json().get("files", []) if response.status_code == 200 else []
            if not files or any(f["outcome"] == "failed" for f in files):
                tally.failed(f"/ingest {response.status_code}: {response.text[:200]}")
                continue
            with tally.lock:
                tally.ingests.append(time.monotonic() - started)
                tally.ingested_files = len(files)


def run_load(clients: int, seconds: float, ingest_every: float, workdir: Path, env: dict[str, str]) -> dict:
    store, inbox = workdir / "store", workdir / "inbox"
    shutil.copytree(bundled_path("corpus"), inbox / "corpus")
    tally = Tally()
    with running_server(
        "--http", "--llm", "none", "--store", str(store), "--allow-ingest", str(inbox), env=env
    ) as server:
        started = time.monotonic()
        first = httpx.post(f"{server.url}/ingest", json={"paths": ["corpus"]}, timeout=600)
        first.raise_for_status()
        setup_seconds = time.monotonic() - started
        deadline = time.monotonic() + seconds
        asked, claimed = gold_lines("gold.jsonl", "question"), gold_lines("claims.jsonl", "claim")
        threads = [
            threading.Thread(target=client, args=(server.url, deadline, seed, asked, claimed, tally))
            for seed in range(clients)
        ]
        threads.append(threading.Thread(target=feeder, args=(server.url, inbox, deadline, ingest_every, tally)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - deadline + seconds
        server_log = server.stderr()
    figures = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(tally.latencies) + len(tally.errors),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "throughput_per_s": round(len(tally.latencies) / elapsed, 2),
        **latency_figures(tally.latencies),
        "ingest_rounds": len(tally.ingests),
        "ingest_p50_s": round(statistics.median(tally.ingests), 2) if tally.ingests else None,
        "feed_files": tally.ingested_files,
        "corpus_ingest_s": round(setup_seconds, 1),
        "server_tracebacks": server_log.count("Traceback"),
    }
    figures["store"] = store_check(store, tally.quotes, expected_sources=13 + tally.ingested_files)
    return figures


def latency_figures(latencies: list[float]) -> dict:
    if not latencies:
        return {"p50_s": None, "p95_s": None, "max_s": None}
    ordered = sorted(latencies)
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max_s": round(ordered[-1], 3),
    }


def store_check(store: Path, quotes: set[tuple[str, int, int, str]], expected_sources: int) -> dict:
    """Is the store whole after the load? Read with the server stopped."""
    with sqlite3.connect(live_folder(store) / "chroma.sqlite3") as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    with Checker(store=store) as checker:
        infos = checker.sources()
        passages = checker.store.all_passages()
        per_source = {info.id: 0 for info in infos}
        for passage in passages:
            per_source[passage.source_id] = per_source.get(passage.source_id, 0) + 1
        mismatched = [info.id for info in infos if per_source[info.id] != info.chunks]
        orphans = sorted(set(per_source) - {info.id for info in infos})
        kept = [q for q in quotes if not q[0].startswith(REWRITTEN)]
        sources = checker.store.sources(sorted({source_id for source_id, *_ in kept}))
        broken = [
            (i, start, end) for i, start, end, quote in kept if i not in sources or sources[i].text[start:end] != quote
        ]
        drones = checker.ask(DRONES)
    return {
        "sqlite_integrity": integrity,
        "sources": len(infos),
        "expected_sources": expected_sources,
        "sources_with_wrong_passage_count": mismatched,
        "passages_without_source": orphans,
        "quotes_checked": len(quotes),
        "quotes_not_verbatim": len(broken),
        "record_attack_status": drones.status,
    }


def healthy(figures: dict) -> bool:
    store = figures["store"]
    return (
        figures["errors"] == 0
        and figures["server_tracebacks"] == 0
        and store["sqlite_integrity"] == "ok"
        and store["sources"] == store["expected_sources"]
        and not store["sources_with_wrong_passage_count"]
        and not store["passages_without_source"]
        and store["quotes_not_verbatim"] == 0
        and store["record_attack_status"] == "conflict"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ingest-every", type=float, default=2.0, help="seconds between feed rounds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CONSISTENCY_LLM": "none"}
    at_start = machine()
    with tempfile.TemporaryDirectory(prefix="consistency-load-") as workdir:
        figures = run_load(args.clients, args.seconds, args.ingest_every, Path(workdir), env)
    figures["machine"] = at_start
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")
    sys.exit(0 if healthy(figures) else 1)


if __name__ == "__main__":
    main()
