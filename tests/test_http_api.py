"""`consistency serve --http`: a real server process on loopback, a real
store, real HTTP; and schemathesis against the OpenAPI schema."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
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
from consistency.models import Answer
from consistency.reason.answer import ReadingAnswerer
from consistency.reason.llm_reader import LLMReader
from consistency.server.common import IngestRoots
from consistency.server.http import BEARER_SCHEME, create_app

from .conftest import ARTICLE, CORPUS, RecordedLLM, assert_reading_is_honest, write
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
    huge = "x" * 10_000_000
    with running_server(
        "--http", "--store", str(tmp_path / "store"), "--allow-ingest", str(inbox), env=cli_env()
    ) as server:
        client = httpx.Client(base_url=server.url, timeout=60)
        invalid = {
            "empty": client.post("/ask", json={"question": ""}),
            "blank": client.post("/ask", json={"question": "   "}),
            "blank claim": client.post("/check", json={"claim": "\n\t "}),
            "too long": client.post("/ask", json={"question": "x" * 5000}),
            "10 MB": client.post("/ask", json={"question": huge}),
            "10 MB date": client.post("/ask", json={"question": DRONES, "until": huge}),
            "wrong type": client.post("/ask", json={"question": 42}),
            "missing": client.post("/check", json={"question": DRONES}),
            "bad date": client.post("/ask", json={"question": DRONES, "since": "last week"}),
            "bad top_k": client.post("/ask", json={"question": DRONES, "top_k": 0}),
            "bad limit": client.get("/audit", params={"limit": "all"}),
            "not json": client.post("/ask", content=b"\xff\xfe", headers={"content-type": "application/json"}),
            "not an object": client.post("/ask", json=[DRONES]),
            "no paths": client.post("/ingest", json={"paths": []}),
            "unknown field": client.post("/ask", json={"question": DRONES, "source": ["kharkiv"]}),
        }
        outside = client.post("/ingest", json={"paths": ["/etc/passwd"]})
        escape = client.post("/ingest", json={"paths": ["../../etc"]})
        gone = client.post("/ingest", json={"paths": ["kharkiv.txt", "no-such-story.txt"]})
        gone_folder = client.post("/ingest", json={"paths": [str(inbox / "no-such-folder")]})
        sources_before = client.get("/sources").json()
        added = client.post("/ingest", json={"paths": ["kharkiv.txt"]})
        kharkiv = client.post("/ask", json={"question": "How many drones were launched at Kharkiv?"}).json()
        unknown = client.post("/ask", json={"question": DRONES, "sources": ["kharkiv", "no-such-source"]})
        missing = client.get("/nowhere")
        no_such_source = client.get("/sources/no-such-source")
        stderr = server.stderr()
    details = {name: _one_line_error(reply, 400) for name, reply in invalid.items()}
    # Empty and blank are the same mistake, and say so the same way.
    assert details["empty"] == details["blank"] == "question: must not be empty"
    assert details["blank claim"] == "claim: must not be empty"
    assert details["too long"] == details["10 MB"] == "question: at most 2,000 characters"
    assert len(invalid["10 MB"].content) < 100 and len(invalid["10 MB date"].content) < 100  # never echoed
    assert details["wrong type"] == "question: must be a string"
    assert details["missing"] == "claim: required; question: unknown field"  # /check takes a claim
    # A field of the request, not a CLI flag.
    assert (
        details["bad date"]
        == details["10 MB date"].replace("until", "since")
        == ("since: not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    )
    assert details["bad top_k"] == "top_k: must be at least 1"
    assert details["bad limit"] == "limit: must be a whole number"
    assert details["not json"] == "the request body is not valid JSON"
    assert details["not an object"] == "the request body must be a JSON object"
    assert details["no paths"] == "paths: must not be empty"
    assert details["unknown field"] == "source: unknown field"  # misspelt, refused rather than ignored
    assert not any("--" in detail for detail in details.values())
    assert "outside the folders this server may ingest from" in _one_line_error(outside, 403)
    assert _one_line_error(escape, 403)
    # A path that does not exist refuses the whole ingest, naming it; nothing was written.
    assert _one_line_error(gone, 400).startswith("no-such-story.txt: no such file or folder")
    assert _one_line_error(gone_folder, 400) == f"{inbox / 'no-such-folder'}: no such file or folder"
    assert sources_before == []
    assert added.status_code == 200 and added.json()["files"][0]["outcome"] == "added"
    assert kharkiv["status"] == "answered" and "42 drones" in kharkiv["citations"][0]["quote"]
    # An unknown source id is named, not answered as "not found" (the Checker says which).
    assert "'no-such-source'" in _one_line_error(unknown, 400) and "'kharkiv'" not in unknown.json()["detail"]
    assert _one_line_error(missing, 404) == "Not Found"
    assert _one_line_error(no_such_source, 404) == "no source with id 'no-such-source' (GET /sources lists them)"
    assert "Traceback" not in stderr


def _one_line_error(reply: httpx.Response, status: int) -> str:
    """The one error shape: {"detail": "one line"}, with the status expected."""
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    assert body["detail"] and "\n" not in body["detail"] and len(body["detail"]) <= 500
    return body["detail"]


def test_ingest_is_refused_when_the_server_was_given_no_folder(store):
    with running_server("--http", "--store", str(store), env=cli_env()) as server:
        refused = httpx.post(f"{server.url}/ingest", json={"paths": [str(CORPUS)]}, timeout=60)
    assert refused.status_code == 403 and "--allow-ingest" in refused.json()["detail"]


def test_a_token_is_required_when_set(store):
    with running_server("--http", "--store", str(store), env=cli_env({"CONSISTENCY_TOKEN": "s3cret"})) as server:
        anonymous = httpx.get(f"{server.url}/sources", timeout=60)
        wrong = httpx.get(f"{server.url}/sources", headers={"Authorization": "Bearer nope"}, timeout=60)
        right = httpx.get(f"{server.url}/sources", headers={"Authorization": "Bearer s3cret"}, timeout=60)
        schema = httpx.get(f"{server.url}/openapi.json", headers={"Authorization": "Bearer s3cret"}, timeout=60).json()
    assert _one_line_error(anonymous, 401) and _one_line_error(wrong, 401)
    assert right.status_code == 200 and len(right.json()) == 13
    # The schema says how to authenticate, and what happens without it.
    assert schema["components"]["securitySchemes"]["bearer"] == BEARER_SCHEME
    assert {"bearer": []} in schema["security"]
    for operation in _operations(schema):
        assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }


def test_the_schema_names_this_server_and_the_docs_need_nothing_from_outside(store):
    with running_server("--http", "--store", str(store), env=cli_env()) as server:
        schema = httpx.get(f"{server.url}/openapi.json", timeout=60).json()
        docs = httpx.get(f"{server.url}/docs", timeout=60)
        linked = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", docs.text)
        assets = {url: httpx.get(urljoin(f"{server.url}/docs", url), timeout=60) for url in linked}
    assert schema["servers"] == [{"url": server.url}]
    assert {path: op["operationId"] for path, ops in schema["paths"].items() for op in ops.values()} == {
        "/ask": "ask",
        "/ask/stream": "askStream",
        "/check": "check",
        "/audit": "audit",
        "/sources": "listSources",
        "/sources/{source_id}": "getSource",
        "/status": "status",
        "/ingest": "ingest",
    }
    # One error shape, one status for bad input: no 422 and no FastAPI validation-error array anywhere.
    assert "422" not in json.dumps(schema) and "HTTPValidationError" not in json.dumps(schema)
    for path in ("/ask", "/ask/stream", "/check", "/audit", "/ingest"):
        assert "400" in next(iter(schema["paths"][path].values()))["responses"]
    # The docs page: scripts, styles and icons from this server only, and each one there.
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert linked and not re.search(r"(https?:)?//", " ".join(linked))
    assert "https://" not in docs.text and "http://" not in docs.text
    assert all(reply.status_code == 200 and reply.content for reply in assets.values()), assets


@pytest.mark.parametrize("bearer", [None, True, False])
def test_the_schema_is_valid_openapi_with_or_without_a_token(corpus_checker, bearer):
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is a test dependency")
    client = TestClient(create_app(corpus_checker, IngestRoots([]), bearer=bearer))
    schema = client.get("/openapi.json").json()
    validator.validate(schema)
    schemes = schema.get("components", {}).get("securitySchemes", {})
    if bearer is False:  # the server runs without a token: nothing to declare
        assert schema["security"] == [] and not schemes
        assert not any("401" in operation["responses"] for operation in _operations(schema))
    else:  # required with a token, optional ({}: none) when the app is not told
        assert schemes == {"bearer": BEARER_SCHEME}
        assert schema["security"] == ([{"bearer": []}] if bearer else [{}, {"bearer": []}])
        assert all("401" in operation["responses"] for operation in _operations(schema))
    assert schema["info"]["license"]["identifier"] == "Apache-2.0"


@pytest.mark.slow
@pytest.mark.parametrize("bearer", [True, False])
def test_redoclys_linter_finds_no_error_in_the_schema(corpus_checker, bearer, tmp_path):
    """Redocly's recommended rules, as a client generator's user would run
    them (`npx @redocly/cli lint`; the npm registry the first time). Without
    a token, /sources and /status have no 4xx response to declare: those two
    warnings are expected, and only they."""
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not installed")
    schema = tmp_path / "openapi.json"
    schema.write_text(TestClient(create_app(corpus_checker, IngestRoots([]), bearer=bearer)).get("/openapi.json").text)
    result = subprocess.run(
        ["npx", "--yes", "@redocly/cli@2.77.0", "lint", str(schema), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    problems = json.loads(result.stdout)["problems"]
    assert not [p for p in problems if p["severity"] == "error"], problems
    warned = {(p["ruleId"], p["location"][0]["pointer"]) for p in problems}
    expected = set() if bearer else {
        ("operation-4xx-response", "#/paths/~1sources/get/responses"),
        ("operation-4xx-response", "#/paths/~1status/get/responses"),
    }  # fmt: skip
    assert warned == expected


def test_without_the_swagger_ui_package_docs_is_a_plain_page_of_the_operations(corpus_checker, monkeypatch):
    monkeypatch.setattr("consistency.server.http._swagger_assets", lambda: None)
    page = TestClient(create_app(corpus_checker, IngestRoots([]))).get("/docs")
    assert page.status_code == 200 and "<code>POST /ask</code> (ask)" in page.text and "listSources" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def _operations(schema: dict) -> list[dict]:
    return [operation for operations in schema["paths"].values() for operation in operations.values()]


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


# ---- the streamed answer ---------------------------------------------------


def server_events(reply: httpx.Response) -> list[tuple[str, dict]]:
    """A text/event-stream body as (event, data) pairs, in order."""
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in reply.text.split("\n\n"):
        if block.strip():
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_the_stream_shows_each_sources_reading_unverified_then_the_answer_code_verified(corpus_checker):
    # What a model might say (recorded: a real one runs in test_llm.py): an invented figure for every source.
    llm = RecordedLLM([{"answers": True, "sentences": [1], "answer": "1,000,000 drones"}] * 8)
    reader = ReadingAnswerer(LLMReader(llm), corpus_checker.scorer)
    checker = Checker(settings=corpus_checker.settings, model=corpus_checker.model, reader=reader)
    client = TestClient(create_app(checker, IngestRoots([])))
    events = server_events(client.post("/ask/stream", json={"question": DRONES}))
    names = [name for name, _ in events]
    assert names == ["draft"] * len(llm.prompts) + ["answer"] and llm.prompts  # a line per source as it is read
    assert all(data["text"].endswith(": 1,000,000 drones\n") and "“" in data["text"] for _, data in events[:-1])
    answer = Answer.model_validate(events[-1][1])
    assert "1,000,000" not in answer.answer and answer.llm is not None and answer.llm.status == "rejected"


def test_without_a_model_the_stream_is_the_answer_alone_and_errors_keep_their_shape(corpus_checker, tmp_path):
    client = TestClient(create_app(corpus_checker, IngestRoots([])))
    [(name, data)] = server_events(client.post("/ask/stream", json={"question": DRONES}))
    assert name == "answer" and data == client.post("/ask", json={"question": DRONES}).json() | {
        "timings": data["timings"]
    }
    unknown = client.post("/ask/stream", json={"question": DRONES, "sources": ["no-such-source"]})
    assert server_events(unknown) == [
        ("error", {"detail": "unknown source 'no-such-source': the store holds no source or file with that id"})
    ]
    empty = TestClient(create_app(Checker(store=tmp_path / "new"), IngestRoots([])))
    refused = empty.post("/ask/stream", json={"question": DRONES})  # before any stream: a plain 400
    assert refused.status_code == 400 and refused.json()["detail"].startswith(f"the store {tmp_path / 'new'} is empty")
    assert client.post("/ask/stream", json={"question": " "}).json() == {"detail": "question: must not be empty"}


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
    ("/ask/stream", "POST"),
    ("/check", "POST"),
    ("/ingest", "POST"),
    ("/audit", "GET"),
    ("/sources", "GET"),
    ("/sources/{source_id}", "GET"),
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
