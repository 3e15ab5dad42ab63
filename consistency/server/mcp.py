"""The MCP server: `consistency serve --mcp` (stdio) or with `--port`
(streamable HTTP on 127.0.0.1). A thin shell over `Checker`: each tool
returns the same model that `--json` prints, as structured content and as
JSON text.

Tools run the blocking Checker on worker threads, so the server keeps
answering pings and other clients while a question is being answered.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from mcp.server.fastmcp import Context, FastMCP
from pydantic import Field

from ..checker import Checker
from ..models import Answer, AuditReport, FileResult, IngestReport, SourceInfo, Verdict
from .common import DEFAULT_HOST, IngestRoots

# Argument descriptions a model reads in each tool's input schema.
Question = Annotated[
    str, Field(description="one factual question, e.g. 'How many drones were used in the record overnight attack?'")
]
TopK = Annotated[
    int | None, Field(ge=1, le=100, description="passages to read, 1-100 (default 8); more for broad questions")
]
ClaimText = Annotated[
    str,
    Field(description="one claim as a sentence with its figure, e.g. 'The flood destroyed 300 homes in the valley'"),
]
Limit = Annotated[int | None, Field(ge=1, description="only the N most severe conflicts (default: all)")]
Paths = Annotated[
    list[str], Field(description="files or folders inside the allowed folders; relative paths are inside the first one")
]

INSTRUCTIONS = """\
consistency answers questions from a store of news articles and other
documents. Every statement in an answer cites a verbatim span of a source
(citations: source id, quote, start, end), and where the sources disagree
the answer has status "conflict" and lists each side with its citations.
Numbers are compared by code, not by a model. When the sources do not hold
the answer, status is "not_found": say so rather than guessing.

Report conflicts to the user as they are given (both figures, who says
what); quote citations verbatim; never present a number the result does not
contain."""


def create_server(checker: Checker, roots: IngestRoots, host: str = DEFAULT_HOST, port: int = 8000) -> FastMCP:
    server = FastMCP("consistency", instructions=INSTRUCTIONS, host=host, port=port, log_level="WARNING")

    @server.tool()
    async def ask(question: Question, top_k: TopK = None) -> Answer:
        """Answer a question from the stored sources.

        Returns status ("answered", "conflict" when sources disagree,
        "not_found" when they do not say), an answer whose statements carry
        [n] markers, the citations ([n] -> source id, title, verbatim quote,
        character span), the numeric claims found, and the conflicts
        (numeric or qualitative, minor or major, each side with its
        citations and the likely cause). Ask one factual question at a time,
        e.g. "How many drones were used in the record overnight attack?"."""
        return await _in_thread(checker.ask, question, top_k=top_k)

    @server.tool()
    async def check_claim(claim: ClaimText) -> Verdict:
        """Check one claim against the stored sources.

        Returns verdict "supported", "contradicted", "disputed" (the sources
        disagree among themselves about it) or "not_found", an explanation,
        and the cited evidence. State the claim as a sentence with its
        figure, e.g. "The flood destroyed 300 homes in the valley"."""
        return await _in_thread(checker.check, claim)

    @server.tool()
    async def audit(limit: Limit = None) -> AuditReport:
        """List every conflict between sources in the whole store, most
        severe first, without a question: numeric disagreements (with the
        figures, how far apart, likely cause) and qualitative ones (e.g. a
        missile's class), each side cited verbatim. limit: only the N most
        severe."""
        return await _in_thread(checker.audit, limit=limit)

    @server.tool()
    async def list_sources() -> list[SourceInfo]:
        """List the stored sources: id (use it to read citations), title,
        outlet, publication date and number of passages."""
        return await _in_thread(checker.sources)

    @server.tool()
    async def ingest(paths: Paths, ctx: Context) -> IngestReport:
        """Add or update files (.txt, .md, .html) or folders in the store.

        Only paths inside the folders this server was started with
        (--allow-ingest) are accepted; relative paths are taken inside the
        first of them. Unchanged files are skipped; each file's outcome
        (added, updated, unchanged, failed with a reason) is reported.
        Progress is reported per file when the client asks for it."""
        return await _in_thread(roots.ingest, checker, paths, **_progress(ctx))

    return server


def _progress(ctx: Context) -> dict:
    """Checker.ingest callbacks (called on the worker thread) that send MCP
    progress notifications from the event loop: files done of files found."""
    total: int | None = None
    done = 0

    def on_start(count: int) -> None:
        nonlocal total
        total = count
        anyio.from_thread.run(ctx.report_progress, 0, count, "reading files")

    def on_file(result: FileResult) -> None:
        nonlocal done
        done += 1
        anyio.from_thread.run(ctx.report_progress, done, total, f"{result.outcome}: {result.path}")

    return {"on_start": on_start, "on_file": on_file}


async def _in_thread(function, *args, **kwargs):
    return await anyio.to_thread.run_sync(partial(function, *args, **kwargs))
