"""`consistency serve --http`: a real server process on loopback, a real
store, real HTTP; and schemathesis against the OpenAPI schema."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consistency import Checker
from consistency.server.common import IngestRoots
from consistency.server.http import create_app

from .conftest import ARTICLE, CORPUS, assert_reading_is_honest, write
from .server_process import free_port, running_server
from .test_cli import DRONES, cli_env, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("http") / "store"
    assert run("ingest", str(CORPUS), "--store", str(path)).returncode == 0
    return path


def test_ask_check_audit_sources_status_over_http_match_the_cli_json(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with running_server("--http", "--store", str(store), "--allow-ingest", str(inbox), env=cli_env()) as server:
        client = httpx.Client(base_url=server.url, timeout=60)
        answer = client.post("/ask", json={"question": DRONES}).json()
        verdict = client.post(
            "/check", json={"claim": "Russia launched 100 drones in the record overnight attack"}
        ).json()
        audit = client.get("/audit", params={"limit": 2}).json()
        sources = client.get("/sources").json()
        status = client.get("/status").json()
        filtered = client.post(
            "/ask", json={"question": DRONES, "sources": ["001_30b2e4f4dd567c59"], "top_k": 3}
        ).json()
        schema = client.get("/openapi.json").json()
    assert answer["status"] == "conflict" and answer["conflicts"][0]["kind"] == "numeric"
    assert verdict["verdict"] == "contradicted"
    assert len(audit["conflicts"]) == 2 and audit["sources"] == 13
    assert len(sources) == 13 and status["sources"] == 13
    assert {c["source"] for c in filtered["citations"]} == {"001_30b2e4f4dd567c59"}
    assert {"/ask", "/check", "/audit", "/sources", "/status", "/ingest"} <= set(schema["paths"])

    # The same object as the CLI's --json (timings aside), and every quote verbatim.
    cli = json.loads(run("ask", DRONES, "--store", str(store), "--json").stdout)
    assert _without_timings(answer) == _without_timings(cli)
    with Checker(store=store) as checker:
        for citation in answer["citations"] + audit["citations"]:
            assert checker.source(citation["source"]).text[citation["start"] : citation["end"]] == citation["quote"]


def test_concurrent_questions_with_a_real_local_llm_are_all_answered_honestly(store, smollm_path):
    questions = [
        DRONES,
        "How many North Korean soldiers are now in Russia?",
        "What was the population of Kyiv in 2020?",
    ]
    with (
        running_server(
            "--http", "--store", str(store), "--llm", "local", "--model-path", str(smollm_path), env=cli_env()
        ) as server,
        ThreadPoolExecutor(len(questions)) as pool,
    ):
        replies = list(
            pool.map(lambda q: httpx.post(f"{server.url}/ask", json={"question": q}, timeout=300), questions)
        )
    answers = [reply.json() for reply in replies]
    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert answers[2]["status"] == "not_found"  # what the tiny model reads in the others is its own
    for answer in answers:
        assert answer["llm"]["backend"] == "local"
        assert_reading_is_honest(answer)


def _without_timings(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "timings"}


def test_bad_requests_get_a_one_line_reason_and_never_a_500(tmp_path):
    inbox = tmp_path / "inbox"
    write(inbox / "kharkiv.txt", ARTICLE)
    with running_server(
        "--http", "--store", str(tmp_path / "store"), "--allow-ingest", str(inbox), env=cli_env()
    ) as server:
        client = httpx.Client(base_url=server.url, timeout=60)
        blank = client.post("/ask", json={"question": "   "})
        too_long = client.post("/ask", json={"question": "x" * 5000})
        bad_date = client.post("/ask", json={"question": DRONES, "since": "last week"})
        not_json = client.post("/ask", content=b"\xff\xfe", headers={"content-type": "application/json"})
        outside = client.post("/ingest", json={"paths": ["/etc/passwd"]})
        escape = client.post("/ingest", json={"paths": ["../../etc"]})
        added = client.post("/ingest", json={"paths": ["kharkiv.txt"]})
        kharkiv = client.post("/ask", json={"question": "How many drones were launched at Kharkiv?"}).json()
        missing = client.get("/nowhere")
        stderr = server.stderr()
    assert blank.status_code == 400 and blank.json() == {"detail": "the question is empty"}
    assert too_long.status_code == 422
    assert bad_date.status_code == 400 and "must be a date" in bad_date.json()["detail"]
    assert not_json.status_code == 422
    assert outside.status_code == 403 and "outside the folders this server may ingest from" in outside.json()["detail"]
    assert escape.status_code == 403
    assert added.status_code == 200 and added.json()["files"][0]["outcome"] == "added"
    assert kharkiv["status"] == "answered" and "42 drones" in kharkiv["citations"][0]["quote"]
    assert missing.status_code == 404
    assert "Traceback" not in stderr


def test_ingest_is_refused_when_the_server_was_given_no_folder(store):
    with running_server("--http", "--store", str(store), env=cli_env()) as server:
        refused = httpx.post(f"{server.url}/ingest", json={"paths": [str(CORPUS)]}, timeout=60)
    assert refused.status_code == 403 and "--allow-ingest" in refused.json()["detail"]


def test_a_token_is_required_when_set(store):
    with running_server("--http", "--store", str(store), env=cli_env({"CONSISTENCY_TOKEN": "s3cret"})) as server:
        anonymous = httpx.get(f"{server.url}/sources", timeout=60)
        wrong = httpx.get(f"{server.url}/sources", headers={"Authorization": "Bearer nope"}, timeout=60)
        right = httpx.get(f"{server.url}/sources", headers={"Authorization": "Bearer s3cret"}, timeout=60)
    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert right.status_code == 200 and len(right.json()) == 13


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--http", "--host", "0.0.0.0"], "set a bearer token with --token"),
        (["--http", "--mcp"], "choose one of --mcp or --http"),
        ([], "choose one of --mcp or --http"),
        (["--http", "--allow-ingest", "/no/such/folder"], "--allow-ingest /no/such/folder: no such folder"),
    ],
)
def test_unsafe_or_impossible_starts_are_one_line_errors(store, args, message):
    result = subprocess.run(
        [sys.executable, "-m", "consistency", "serve", *args, "--store", str(store), "--port", str(free_port())],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_port_in_use_is_a_one_line_error(store):
    with running_server("--http", "--store", str(store), env=cli_env()) as server:
        port = server.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [sys.executable, "-m", "consistency", "serve", "--http", "--store", str(store), "--port", port],
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


# ---- schemathesis: generated requests against the OpenAPI schema ------------


@pytest.fixture(scope="module")
def api_schema(corpus_checker, tmp_path_factory):
    # Generated paths resolve inside an empty folder: the shared corpus store is never changed.
    roots = IngestRoots([tmp_path_factory.mktemp("empty-inbox")])
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(corpus_checker, roots))


# What "no 500s" needs: no server error, and every response as the schema
# documents it (status code, content type, body).
API_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [
    ("/ask", "POST"),
    ("/check", "POST"),
    ("/ingest", "POST"),
    ("/audit", "GET"),
    ("/sources", "GET"),
    ("/status", "GET"),
]


def test_the_schema_documents_every_operation_tested_here(api_schema):
    assert {(op.ok().path, op.ok().method.upper()) for op in api_schema.get_all_operations()} == set(OPERATIONS)


# Hypothesis drives schemathesis's strategies directly: its pytest plugin's
# lazy fixture loader breaks with newer pytest releases.
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_generated_requests_never_get_a_server_error(api_schema, path, method):
    operation = api_schema[path][method]
    requests = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=requests)
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def never_a_server_error(case):
        case.call_and_validate(checks=API_CHECKS)

    never_a_server_error()
