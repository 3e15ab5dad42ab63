"""`consistency serve --mcp`: the real server process, driven by the
official MCP SDK's own client over stdio and over streamable HTTP."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from contextlib import asynccontextmanager

import httpx
import pytest
from mcp import ClientSession, McpError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from consistency import Checker, __version__
from consistency.models import Answer, AuditReport, Citation, Conflict, ConflictSide, IngestReport, SourceInfo, Verdict
from consistency.server.mcp import audit_page

from .conftest import ARTICLE, CORPUS, assert_reading_is_honest, write
from .server_process import running_server
from .test_cli import DRONES, cli_env, run

pytestmark = pytest.mark.slow

TOOLS = {"ask", "check_claim", "audit", "list_sources", "ingest"}
TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EMPTY_FILES = 120


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("mcp") / "store"
    assert run("ingest", str(CORPUS), "--store", str(path)).returncode == 0
    return path


@asynccontextmanager
async def stdio_session(*args: str):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "consistency", "serve", "--mcp", *args], env=cli_env()
    )
    async with stdio_client(params) as (read, write_stream), ClientSession(read, write_stream) as session:
        await session.initialize()
        yield session


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """The folder the HTTP server may ingest from: many empty files (each
    fails at once, and nothing is written to the shared store)."""
    folder = tmp_path_factory.mktemp("mcp-inbox")
    for n in range(EMPTY_FILES):
        write(folder / "many" / f"{n:03d}.txt", "")
    return folder


@pytest.fixture(scope="module")
def http_server(store, inbox):
    """One streamable HTTP server, behind a token, for the module's HTTP tests."""
    env = cli_env({"CONSISTENCY_TOKEN": TOKEN})
    with running_server("--mcp", "--store", str(store), "--allow-ingest", str(inbox), env=env) as server:
        yield server


@asynccontextmanager
async def http_session(url: str, headers: dict | None = None, initialized: list | None = None):
    async with (
        httpx.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write_stream, _),
        ClientSession(read, write_stream) as session,
    ):
        result = await session.initialize()
        if initialized is not None:
            initialized.append(result)
        yield session


def call_all(url: str, calls: dict[str, tuple[str, dict]], headers: dict | None = AUTH) -> dict:
    """Each named (tool, arguments) called in one session, in order."""

    async def session_calls():
        async with http_session(url, headers) as session:
            return {name: await session.call_tool(tool, arguments) for name, (tool, arguments) in calls.items()}

    return asyncio.run(session_calls())


def one_line_error(result) -> str:
    assert result.isError and len(result.content) == 1, result
    text = result.content[0].text
    assert "\n" not in text and "pydantic" not in text and "http" not in text, text
    return text


def test_stdio_tools_answer_check_audit_list_and_ingest_only_inside_allowed_folders(store, tmp_path):
    inbox = tmp_path / "inbox"
    write(inbox / "kharkiv.txt", ARTICLE)

    progress = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async def session_calls():
        async with stdio_session("--store", str(store), "--allow-ingest", str(inbox)) as session:
            tools = (await session.list_tools()).tools
            calls = {
                "ask": await session.call_tool("ask", {"question": DRONES}),
                "check": await session.call_tool(
                    "check_claim", {"claim": "Russia launched 100 drones in the record overnight attack"}
                ),
                "audit": await session.call_tool("audit", {"limit": 2}),
                "sources": await session.call_tool("list_sources", {}),
                "outside": await session.call_tool("ingest", {"paths": ["/etc/passwd"]}),
                "climb": await session.call_tool("ingest", {"paths": [str(inbox / ".." / "..")]}),
                "empty": await session.call_tool("ask", {"question": "  "}),
                "ingest": await session.call_tool("ingest", {"paths": [str(inbox)]}, progress_callback=on_progress),
                "kharkiv": await session.call_tool(
                    "ask", {"question": "How many drones were launched at Kharkiv?", "top_k": 3}
                ),
            }
            return tools, calls

    tools, calls = asyncio.run(session_calls())
    assert {tool.name for tool in tools} == TOOLS
    for tool in tools:
        assert len(tool.description) > 80, f"{tool.name} needs a description a model can act on"
        assert tool.outputSchema is not None
        assert all(argument.get("description") for argument in tool.inputSchema.get("properties", {}).values()), (
            tool.name
        )
    assert not any(calls[name].isError for name in ("ask", "check", "audit", "sources", "ingest", "kharkiv"))

    answer = Answer.model_validate(calls["ask"].structuredContent)
    assert answer.status == "conflict" and {"500", "539"} <= {
        w.strip(".,") for c in answer.citations for w in c.quote.split()
    }
    assert (
        Answer.model_validate_json(calls["ask"].content[0].text) == answer
    )  # the same JSON as text, for clients without structured output
    assert Verdict.model_validate(calls["check"].structuredContent).verdict == "contradicted"
    audit = AuditReport.model_validate(calls["audit"].structuredContent)
    assert len(audit.conflicts) == 2
    assert len(calls["sources"].structuredContent["result"]) == 13

    for refused in ("outside", "climb"):
        assert (
            calls[refused].isError
            and "outside the folders this server may ingest from" in calls[refused].content[0].text
        )
    assert calls["empty"].isError and calls["empty"].content[0].text == "question: must not be empty"
    assert IngestReport.model_validate(calls["ingest"].structuredContent).files[0].outcome == "added"
    assert progress[0][:2] == (0, 1) and progress[-1][:2] == (1, 1) and "added" in progress[-1][2]
    kharkiv = Answer.model_validate(calls["kharkiv"].structuredContent)
    assert kharkiv.status == "answered" and "42 drones" in kharkiv.citations[0].quote

    with Checker(store=store) as checker:  # every quote is the source's own text at its span
        for citation in answer.citations + audit.citations + kharkiv.citations:
            assert checker.source(citation.source).text[citation.start : citation.end] == citation.quote


def test_stdio_ingest_is_refused_without_allowed_folders(store):
    async def refused():
        async with stdio_session("--store", str(store)) as session:
            return await session.call_tool("ingest", {"paths": [str(CORPUS)]})

    result = asyncio.run(refused())
    assert result.isError and "--allow-ingest" in result.content[0].text


def test_streamable_http_serves_the_same_tools_and_honours_a_token(http_server):
    async def calls(url, headers):
        async with http_session(url, headers) as session:
            tools = (await session.list_tools()).tools
            # Two questions at once: tools run on worker threads, side by side.
            answers = await asyncio.gather(
                session.call_tool("ask", {"question": DRONES}),
                session.call_tool(
                    "check_claim", {"claim": "Russia launched 539 drones in the record overnight attack"}
                ),
            )
            return tools, answers

    tools, (answer, verdict) = asyncio.run(calls(http_server.url, AUTH))
    # The scheme in any case (RFC 7235): "bearer TOKEN" is let in too.
    lower_case, _ = asyncio.run(calls(http_server.url, {"Authorization": f"bearer  {TOKEN}"}))
    tools_list = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    refused = {
        name: httpx.post(f"{http_server.url}/mcp", json=tools_list, headers=headers, timeout=30)
        for name, headers in {
            "anonymous": {},
            "wrong token": {"Authorization": "Bearer s3cre7"},
            "no token": {"Authorization": "Bearer"},
            "another scheme": {"Authorization": f"Basic {TOKEN}"},
        }.items()
    }
    # Where an MCP client looks for OAuth metadata after a 401: nothing, and
    # no token asked for, so it keeps to the bearer token instead of starting an OAuth flow.
    well_known = {
        path: httpx.get(f"{http_server.url}{path}", timeout=30)
        for path in (
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        )
    }
    assert {tool.name for tool in tools} == {tool.name for tool in lower_case} == TOOLS
    assert Answer.model_validate(answer.structuredContent).status == "conflict"
    assert Verdict.model_validate(verdict.structuredContent).verdict in ("supported", "disputed")
    for name, reply in refused.items():
        assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer", name
    for path, reply in well_known.items():
        assert reply.status_code == 404 and "www-authenticate" not in reply.headers, path


def test_the_server_describes_itself_and_its_tools_plainly(http_server):
    initialized: list = []

    async def describe():
        async with http_session(http_server.url, AUTH, initialized) as session:
            tools = (await session.list_tools()).tools
            missing = []
            for listing in (session.list_prompts, session.list_resources, session.list_resource_templates):
                with pytest.raises(McpError) as error:
                    await listing()
                missing.append(error.value.error.message)
            return tools, missing

    tools, missing = asyncio.run(describe())
    info = initialized[0]
    assert info.serverInfo.name == "consistency" and info.serverInfo.version == __version__
    # No prompts or resources to offer: neither capability is advertised, and asking is "method not found".
    assert info.capabilities.tools is not None
    assert info.capabilities.prompts is None and info.capabilities.resources is None
    assert missing == ["Method not found"] * 3

    by_name = {tool.name: tool for tool in tools}
    for tool in tools:
        assert tool.title and tool.annotations is not None, tool.name
        assert tool.annotations.readOnlyHint is (tool.name != "ingest"), tool.name
        assert tool.annotations.openWorldHint is False and tool.annotations.idempotentHint is True, tool.name
        lines = tool.description.splitlines()
        assert lines[0] and all(line == line.lstrip() for line in lines), f"{tool.name}: indented description"
    assert by_name["ingest"].annotations.destructiveHint is False
    schemas = {name: tool.inputSchema["properties"] for name, tool in by_name.items()}
    assert by_name["ingest"].inputSchema["required"] == ["paths"] and schemas["ingest"]["paths"]["minItems"] == 1
    assert schemas["ask"]["question"]["minLength"] == 1 and schemas["ask"]["question"]["maxLength"] == 2000
    assert {"question", "top_k", "sources", "since", "until"} == set(schemas["ask"])
    assert {"claim", "top_k"} == set(schemas["check_claim"])
    assert schemas["audit"]["limit"]["default"] == 20 and schemas["audit"]["limit"]["maximum"] == 100
    assert schemas["list_sources"]["limit"]["maximum"] <= 500


def test_audit_and_list_sources_return_a_bounded_page_and_say_how_many_there_are(http_server):
    calls = call_all(
        http_server.url,
        {
            "audit": ("audit", {}),
            "first": ("audit", {"limit": 2}),
            "next": ("audit", {"limit": 2, "offset": 2}),
            "past": ("audit", {"offset": 1000}),
            "sources": ("list_sources", {}),
            "some": ("list_sources", {"limit": 2, "offset": 1}),
        },
    )
    assert not any(result.isError for result in calls.values())
    full = AuditReport.model_validate(calls["audit"].structuredContent)
    total = len(full.conflicts)
    assert 4 <= total <= 20  # all of them fit the default page: no note
    assert len(calls["audit"].content) == 1 and AuditReport.model_validate_json(calls["audit"].content[0].text) == full

    first = AuditReport.model_validate(calls["first"].structuredContent)
    following = AuditReport.model_validate(calls["next"].structuredContent)
    assert first.conflicts == full.conflicts[:2] and following.conflicts == full.conflicts[2:4]
    for page in (first, following):  # the citations its conflicts use, as numbered in the whole report
        used = {n for conflict in page.conflicts for side in conflict.sides for n in side.citations}
        assert page.citations == [c for c in full.citations if c.id in used]
        assert (page.sources, page.claims) == (full.sources, full.claims)
    notes = [calls[name].content[1].text for name in ("first", "next", "past")]
    assert notes[0] == f"Conflicts 1-2 of {total} are shown. Call audit with offset=2 for the next ones."
    assert notes[1].startswith(f"Conflicts 3-4 of {total} are shown.")
    assert notes[2] == f"The store holds {total} conflicts; offset 1000 is past the last of them."

    # One content block holding the list (FastMCP's default is one block per source).
    sources = calls["sources"]
    listed = sources.structuredContent["result"]
    assert len(sources.content) == 1 and json.loads(sources.content[0].text) == listed
    assert len(listed) >= 13 and all(SourceInfo.model_validate(info) for info in listed)
    some = calls["some"]
    assert some.structuredContent["result"] == listed[1:3]
    assert some.content[1].text == (
        f"Sources 2-3 of {len(listed)} are shown. Call list_sources with offset=3 for the next ones."
    )


def test_the_default_audit_page_holds_the_20_most_severe_and_counts_the_rest():
    citations = [Citation(id=n, source="s", title="t", quote=f"q{n}", start=0, end=2) for n in range(1, 51)]
    conflicts = [
        Conflict(
            kind="numeric",
            severity="major",
            summary=f"conflict {n}",
            explanation="",
            sides=[ConflictSide(value="1", citations=[2 * n + 1]), ConflictSide(value="2", citations=[2 * n + 2])],
        )
        for n in range(25)
    ]
    report = AuditReport(conflicts=conflicts, citations=citations, sources=3, claims=60, seconds=1.0)
    page, note = audit_page(report, 20, 0)
    assert page.conflicts == conflicts[:20] and page.citations == citations[:40] and page.total == 25
    assert note == "Conflicts 1-20 of 25 are shown. Call audit with offset=20 for the next ones."
    rest, note = audit_page(report, 20, 20)
    assert rest.conflicts == conflicts[20:] and rest.citations == citations[40:]
    assert note == "Conflicts 21-25 of 25 are shown."
    whole, note = audit_page(report, 100, 0)
    assert whole.conflicts == report.conflicts and whole.total == 25 and note is None


def test_bad_arguments_come_back_in_one_line(http_server):
    claim = "Russia launched 539 drones in the record overnight attack"
    cases = {
        "question: must not be empty": ("ask", {"question": ""}),
        # Blank is empty too, worded as the HTTP API words it.
        "question: must not be empty; top_k: must be at least 1": ("ask", {"question": " \n\t ", "top_k": 0}),
        "claim: must not be empty": ("check_claim", {"claim": "   "}),
        "question: required": ("ask", {"top_k": 3}),
        "question: at most 2,000 characters": ("ask", {"question": "x" * 2001}),
        "question: must be a string": ("ask", {"question": 42}),
        "top_k: must be at least 1": ("ask", {"question": DRONES, "top_k": 0}),
        "top_k: must be a whole number": ("ask", {"question": DRONES, "top_k": "many"}),
        "top_k: must be at most 100": ("check_claim", {"claim": claim, "top_k": 101}),
        "sources: must not be empty": ("ask", {"question": DRONES, "sources": []}),
        "since must be a date such as 2025-07-04, 2025-07 or 2025; got 'last week'": (
            "ask",
            {"question": DRONES, "since": "last week"},
        ),
        "until must be a date such as 2025-07-04, 2025-07 or 2025; got '2025-13'": (
            "ask",
            {"question": DRONES, "until": "2025-13"},
        ),
        "source: unknown argument (ask takes question, top_k, sources, since, until)": (
            "ask",
            {"question": DRONES, "source": ["001_30b2e4f4dd567c59"]},
        ),
        "claim: must not be empty; top_k: must be at least 1": ("check_claim", {"claim": "", "top_k": 0}),
        "limit: must be at least 1": ("audit", {"limit": 0}),
        "limit: must be at most 100": ("audit", {"limit": 10_000}),
        "offset: must be at least 0": ("list_sources", {"offset": -1}),
        "paths: must not be empty": ("ingest", {"paths": []}),
        "paths: must be a list": ("ingest", {"paths": "many"}),
        "paths[0]: must be a string": ("ingest", {"paths": [7]}),
    }
    calls = call_all(http_server.url, cases)
    assert {expected: one_line_error(result) for expected, result in calls.items()} == {e: e for e in cases}


def test_ask_takes_the_http_apis_source_and_date_filters_and_check_claim_takes_top_k(http_server):
    claim = "Russia launched 539 drones in the record overnight attack"
    calls = call_all(
        http_server.url,
        {
            "sources": ("list_sources", {}),
            "one source": ("ask", {"question": DRONES, "sources": ["001_30b2e4f4dd567c59"], "top_k": 3}),
            "since": ("ask", {"question": DRONES, "since": "2025-01"}),
            "until": ("ask", {"question": DRONES, "until": "2024-12"}),
            "one passage": ("check_claim", {"claim": claim, "top_k": 1}),
            "default": ("check_claim", {"claim": claim}),
        },
    )
    assert not any(result.isError for result in calls.values())
    published = {info["id"]: info["published"] for info in calls["sources"].structuredContent["result"]}
    answers = {name: Answer.model_validate(calls[name].structuredContent) for name in ("one source", "since", "until")}
    cited = {name: {c.source for c in answer.citations} for name, answer in answers.items()}
    assert cited["one source"] == {"001_30b2e4f4dd567c59"}
    assert cited["since"] and all((published[s] or "") >= "2025-01" for s in cited["since"])
    assert cited["until"] and all("" < (published[s] or "") <= "2024-12" for s in cited["until"])
    assert not cited["since"] & cited["until"]
    # One passage read: one source, which supports the claim; more passages find the other side.
    narrow, wide = (Verdict.model_validate(calls[name].structuredContent) for name in ("one passage", "default"))
    assert len({c.source for c in narrow.citations}) == 1 and narrow.verdict == "supported"
    assert len({c.source for c in wide.citations}) > 1


def test_an_ingest_of_many_files_lists_100_and_counts_the_rest(http_server):
    result = call_all(http_server.url, {"many": ("ingest", {"paths": ["many"]})})["many"]
    report = IngestReport.model_validate(result.structuredContent)
    assert not result.isError and len(result.content) == 2
    assert len(report.files) == 100 and all(f.outcome == "failed" and "empty" in f.error for f in report.files)
    assert result.content[1].text == f"{EMPTY_FILES} files: {EMPTY_FILES} failed. 100 are listed, failures first."


def test_the_mcp_inspector_cli_lists_the_tools(store):
    """The reference client, as a user would run it: `npx
    @modelcontextprotocol/inspector --cli`. 0.15.0 is the last release that
    runs on Node 20; it needs the npm registry the first time."""
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not installed")
    env = cli_env()
    passed = [arg for k, v in env.items() if k.startswith(("CONSISTENCY_", "HF_")) for arg in ("-e", f"{k}={v}")]
    result = subprocess.run(
        [
            "npx",
            "--yes",
            "@modelcontextprotocol/inspector@0.15.0",
            "--cli",
            *passed,
            sys.executable,
            "-m",
            "consistency",
            "serve",
            "--mcp",
            "--store",
            str(store),
            "--method",
            "tools/list",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    tools = {tool["name"]: tool for tool in json.loads(result.stdout)["tools"]}
    assert set(tools) == TOOLS
    assert tools["ask"]["annotations"]["readOnlyHint"] is True
    assert tools["ingest"]["inputSchema"]["properties"]["paths"]["minItems"] == 1


def test_stdio_with_a_real_local_llm_keeps_stdout_for_the_protocol(store, smollm_path):
    # llama.cpp loading and writing must print nothing on stdout, or the client's stream breaks.
    async def ask():
        async with stdio_session("--store", str(store), "--llm", "local", "--model-path", str(smollm_path)) as session:
            return await session.call_tool("ask", {"question": DRONES})

    result = asyncio.run(ask())
    answer = Answer.model_validate(result.structuredContent)
    assert not result.isError and answer.llm.backend == "local"
    assert_reading_is_honest(answer.model_dump(mode="json"))
