"""20 concurrent clients ask the HTTP server questions for 30 s while an
ingest feed runs alongside: no request fails, the server logs no traceback,
and the store is whole afterwards. The figures (throughput, latency) are the
benchmark's business (benchmarks/bench_serve_load.py); this test asserts only
correctness under load, never a speed."""

from __future__ import annotations

import pytest

from benchmarks.bench_serve_load import healthy, run_load

from .test_cli import cli_env


@pytest.mark.slow
def test_twenty_clients_for_thirty_seconds_with_ingest_alongside(tmp_path):
    figures = run_load(clients=20, seconds=30, ingest_every=2.0, workdir=tmp_path, env=cli_env())
    print(figures)
    assert figures["errors"] == 0, figures["first_errors"]
    # Ingests did run alongside (how many fit in 30 s is the benchmark's business).
    assert figures["ingest_rounds"] >= 2 and figures["requests"] >= 20
    assert healthy(figures), figures
