"""`consistency serve --mcp`: the real server process, driven by the
official MCP SDK's own client over stdio and over streamable HTTP."""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from consistency import Checker
from consistency.models import Answer, AuditReport, IngestReport, Verdict

from .conftest import ARTICLE, CORPUS, assert_reading_is_honest, write
from .server_process import running_server
from .test_cli import DRONES, cli_env, run

pytestmark = pytest.mark.slow

TOOLS = {"ask", "check_claim", "audit", "list_sources", "ingest"}


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


@asynccontextmanager
async def http_session(url: str, headers: dict | None = None):
    async with (
        httpx.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write_stream, _),
        ClientSession(read, write_stream) as session,
    ):
        await session.initialize()
        yield session


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
    assert calls["empty"].isError and "the question is empty" in calls["empty"].content[0].text
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


def test_streamable_http_serves_the_same_tools_and_honours_a_token(store):
    async def calls(url):
        async with http_session(url, {"Authorization": "Bearer s3cret"}) as session:
            tools = (await session.list_tools()).tools
            # Two questions at once: tools run on worker threads, side by side.
            answers = await asyncio.gather(
                session.call_tool("ask", {"question": DRONES}),
                session.call_tool(
                    "check_claim", {"claim": "Russia launched 539 drones in the record overnight attack"}
                ),
            )
            return tools, answers

    with running_server("--mcp", "--store", str(store), env=cli_env({"CONSISTENCY_TOKEN": "s3cret"})) as server:
        tools, (answer, verdict) = asyncio.run(calls(server.url))
        anonymous = httpx.post(
            f"{server.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30
        )
    assert {tool.name for tool in tools} == TOOLS
    assert Answer.model_validate(answer.structuredContent).status == "conflict"
    assert Verdict.model_validate(verdict.structuredContent).verdict in ("supported", "disputed")
    assert anonymous.status_code == 401


def test_stdio_with_a_real_local_llm_keeps_stdout_for_the_protocol(store, smollm_path):
    # llama.cpp loading and writing must print nothing on stdout, or the client's stream breaks.
    async def ask():
        async with stdio_session("--store", str(store), "--llm", "local", "--model-path", str(smollm_path)) as session:
            return await session.call_tool("ask", {"question": DRONES})

    result = asyncio.run(ask())
    answer = Answer.model_validate(result.structuredContent)
    assert not result.isError and answer.llm.backend == "local"
    assert_reading_is_honest(answer.model_dump(mode="json"))
