"""The MCP server: `consistency serve --mcp` (stdio) or with `--port`
(streamable HTTP on 127.0.0.1). A thin shell over `Checker`: each tool
returns the same model that `--json` prints, as structured content and as
one block of JSON text.

What a chat client receives stays small: `audit` and `list_sources` return
a page (the most severe conflicts first, 20 by default) and say in a second
text block how many there are in all; `ask` and `check_claim` read at most
100 passages; an `ingest` of many files lists 100 of them (failures first)
with the counts of the rest. Arguments that break a tool's input schema,
and the Checker's own refusals, come back as one line.

Tools run the blocking Checker on worker threads, so the server keeps
answering pings and other clients while a question is being answered.
"""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, Any

import anyio
import pydantic
from mcp import types
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AfterValidator, Field

from .. import __version__
from ..checker import Checker
from ..config import MAX_QUESTION_CHARS
from ..errors import ConsistencyError
from ..models import INGEST_OUTCOMES, Answer, AuditReport, FileResult, Filters, IngestReport, SourceInfo, Verdict
from ..text.dates import checked_date
from .common import DEFAULT_HOST, IngestRoots, page_of
from .errors import NOT_BLANK, fields_detail, not_blank, one_line

AUDIT_PAGE = 20  # conflicts an audit returns unless asked for more
AUDIT_MAX = 100
SOURCES_PAGE = 100
SOURCES_MAX = 500
FILES_LISTED = 100  # files an ingest report lists; the rest are counted

# Argument descriptions a model reads in each tool's input schema.
Question = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        pattern=NOT_BLANK,
        description="one factual question, e.g. 'How many drones were used in the record overnight attack?'",
    ),
    AfterValidator(not_blank),
]
TopK = Annotated[
    int | None, Field(ge=1, le=100, description="passages to read, 1-100 (default 8); more for broad questions")
]
SourceIds = Annotated[
    list[str] | None,
    Field(
        min_length=1,
        description="only these sources, by the ids list_sources gives (a file's id covers all its articles)",
    ),
]
Since = Annotated[
    str | None, Field(description="only sources published on or after this date: YYYY-MM-DD, YYYY-MM or YYYY")
]
Until = Annotated[
    str | None, Field(description="only sources published on or before this date: YYYY-MM-DD, YYYY-MM or YYYY")
]
ClaimText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        pattern=NOT_BLANK,
        description="one claim as a sentence with its figure, e.g. 'The flood destroyed 300 homes in the valley'",
    ),
    AfterValidator(not_blank),
]
Limit = Annotated[
    int, Field(ge=1, le=AUDIT_MAX, description=f"how many conflicts to return, most severe first (1-{AUDIT_MAX})")
]
Offset = Annotated[int, Field(ge=0, description="how many to skip first: the next page starts at offset + limit")]
SourcesLimit = Annotated[int, Field(ge=1, le=SOURCES_MAX, description=f"how many sources to return (1-{SOURCES_MAX})")]
Paths = Annotated[
    list[str],
    Field(
        min_length=1,
        description="files or folders inside the allowed folders; relative paths are inside the first one",
    ),
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

READ_ONLY = types.ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)
# Ingest adds files, or replaces a changed file's passages with its new
# text; the same paths again change nothing ("unchanged"). It reads only
# inside the folders the server was started with.
WRITES_STORE = types.ToolAnnotations(
    readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=False
)


class ConsistencyMCP(FastMCP):
    """FastMCP with this project's version in `serverInfo`, no prompt or
    resource capability (there are none to offer), tool descriptions
    without docstring indentation, and errors in one line."""

    def __init__(self, **settings: Any):
        super().__init__("consistency", **settings)
        # FastMCP passes no version to its low-level server, which then
        # reports the SDK's; and it registers prompt and resource handlers,
        # which makes the server advertise both capabilities.
        self._mcp_server.version = __version__
        for request in (
            types.ListPromptsRequest,
            types.GetPromptRequest,
            types.ListResourcesRequest,
            types.ListResourceTemplatesRequest,
            types.ReadResourceRequest,
        ):
            self._mcp_server.request_handlers.pop(request, None)
        self._arguments: dict[str, list[str]] = {}

    def register(self, fn: Callable[..., Any], title: str, annotations: types.ToolAnnotations) -> None:
        """Registers `fn` as a tool; its docstring, dedented, is the description."""
        self.add_tool(fn, title=title, description=inspect.cleandoc(fn.__doc__ or ""), annotations=annotations)
        parameters = inspect.signature(fn).parameters.values()
        self._arguments[fn.__name__] = [p.name for p in parameters if p.annotation not in (Context, "Context")]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Sequence[types.ContentBlock] | dict[str, Any]:
        known = self._arguments.get(name)
        unknown = sorted(set(arguments or {}) - set(known or ()))
        if known is not None and unknown:
            # FastMCP would drop it silently: a misspelt "source" would answer from every source.
            takes = ", ".join(known) or "no arguments"
            raise ToolError(one_line(f"{', '.join(unknown)}: unknown argument ({name} takes {takes})"))
        try:
            return await super().call_tool(name, arguments)
        except ToolError as error:
            raise ToolError(_error_line(name, error)) from error


def create_server(checker: Checker, roots: IngestRoots, host: str = DEFAULT_HOST, port: int = 8000) -> FastMCP:
    server = ConsistencyMCP(instructions=INSTRUCTIONS, host=host, port=port, log_level="WARNING")

    async def ask(
        question: Question,
        top_k: TopK = None,
        sources: SourceIds = None,
        since: Since = None,
        until: Until = None,
    ) -> Annotated[types.CallToolResult, Answer]:
        """Answer a question from the stored sources.

        Returns status ("answered", "conflict" when sources disagree,
        "not_found" when they do not say), an answer whose statements carry
        [n] markers, the citations ([n] -> source id, title, verbatim quote,
        character span), the numeric claims found, and the conflicts
        (numeric or qualitative, minor or major, each side with its
        citations and the likely cause). Ask one factual question at a time,
        e.g. "How many drones were used in the record overnight attack?".
        sources, since and until restrict the sources read (ids from
        list_sources; publication dates)."""
        filters = None
        if sources or since or until:
            filters = Filters(sources=sources, since=checked_date(since, "since"), until=checked_date(until, "until"))
        return _result(await _in_thread(checker.ask, question, top_k=top_k, filters=filters))

    async def check_claim(claim: ClaimText, top_k: TopK = None) -> Annotated[types.CallToolResult, Verdict]:
        """Check one claim against the stored sources.

        Returns verdict "supported", "contradicted", "disputed" (the sources
        disagree among themselves about it) or "not_found", an explanation,
        and the cited evidence. State the claim as a sentence with its
        figure, e.g. "The flood destroyed 300 homes in the valley"."""
        return _result(await _in_thread(checker.check, claim, top_k=top_k))

    async def audit(limit: Limit = AUDIT_PAGE, offset: Offset = 0) -> Annotated[types.CallToolResult, AuditReport]:
        """List the conflicts between sources in the whole store, most
        severe first, without a question: numeric disagreements (with the
        figures, how far apart, likely cause) and qualitative ones (e.g. a
        missile's class), each side cited verbatim.

        Returns the 20 most severe unless limit says otherwise; when there
        are more, a second text block says how many in all and how to get
        the next ones (offset)."""
        report = await _in_thread(checker.audit)
        page, note = audit_page(report, limit, offset)
        return _result(page, note)

    async def list_sources(
        limit: SourcesLimit = SOURCES_PAGE, offset: Offset = 0
    ) -> Annotated[types.CallToolResult, list[SourceInfo]]:
        """List the stored sources: id (use it to read citations, or to
        restrict ask to some sources), title, outlet, publication date and
        number of passages. Returns the first 100 unless limit says
        otherwise; when there are more, a second text block says how many."""
        infos = await _in_thread(checker.sources)
        shown = infos[offset : offset + limit]
        note = _page_note("sources", len(shown), len(infos), offset, "list_sources")
        return _result(shown, note)

    async def ingest(paths: Paths, ctx: Context) -> Annotated[types.CallToolResult, IngestReport]:
        """Add or update files (.txt, .md, .html) or folders in the store.

        Only paths inside the folders this server was started with
        (--allow-ingest) are accepted; relative paths are taken inside the
        first of them. Unchanged files are skipped; each file's outcome
        (added, updated, unchanged, failed with a reason) is reported, for
        up to 100 files (failures first) with the others counted.
        Progress is reported per file when the client asks for it."""
        report = await _in_thread(roots.ingest, checker, paths, **_progress(ctx))
        return _result(*ingest_summary(report))

    server.register(ask, "Ask the sources", READ_ONLY)
    server.register(check_claim, "Check a claim", READ_ONLY)
    server.register(audit, "Find conflicts between sources", READ_ONLY)
    server.register(list_sources, "List the stored sources", READ_ONLY)
    server.register(ingest, "Add files to the store", WRITES_STORE)
    return server


# ---- bounded results -----------------------------------------------------


def audit_page(report: AuditReport, limit: int, offset: int) -> tuple[AuditReport, str | None]:
    """Conflicts offset+1 .. offset+limit of the report, with the citations
    they use (ids unchanged, so an id means the same quote on every page),
    and a note when the page does not hold them all."""
    page = page_of(report, offset, limit)
    return page, _page_note("conflicts", len(page.conflicts), len(report.conflicts), offset, "audit")


def _page_note(what: str, shown: int, total: int, offset: int, tool: str) -> str | None:
    if shown == total:
        return None
    if not shown:
        return f"The store holds {total} {what}; offset {offset} is past the last of them."
    first, last = offset + 1, offset + shown
    note = f"{what.capitalize()} {first}-{last} of {total} are shown."
    if last < total:
        note += f" Call {tool} with offset={last} for the next ones."
    return note


def ingest_summary(report: IngestReport) -> tuple[IngestReport, str | None]:
    """The report, listing at most FILES_LISTED files (failures first, then
    added and updated, then unchanged; each kept in its place), and a note
    with the count of every outcome when some are left out."""
    if len(report.files) <= FILES_LISTED:
        return report, None
    order = {"failed": 0, "added": 1, "updated": 1, "moved": 1, "duplicate": 2, "unchanged": 2}
    ranked = sorted(range(len(report.files)), key=lambda i: order[report.files[i].outcome])
    kept = [report.files[i] for i in sorted(ranked[:FILES_LISTED])]
    counts = Counter(f.outcome for f in report.files)
    outcomes = ", ".join(f"{counts[o]} {o}" for o in INGEST_OUTCOMES if counts[o])
    note = f"{len(report.files)} files: {outcomes}. {FILES_LISTED} are listed" + (
        ", failures first." if counts["failed"] else "."
    )
    return report.model_copy(update={"files": kept}), note


def _result(result: pydantic.BaseModel | list[SourceInfo], note: str | None = None) -> types.CallToolResult:
    """The model as structured content and as ONE block of compact JSON
    text (FastMCP would give a list one block per item), then the note."""
    if isinstance(result, list):
        data: Any = [item.model_dump(mode="json") for item in result]
        structured = {"result": data}  # FastMCP's wrapping of a list, as the output schema says
    else:
        data = structured = result.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    content: list[types.ContentBlock] = [types.TextContent(type="text", text=text)]
    if note:
        content.append(types.TextContent(type="text", text=note))
    return types.CallToolResult(content=content, structuredContent=structured)


# ---- errors in one line ----------------------------------------------------


def _error_line(tool: str, error: ToolError) -> str:
    """The argument errors as `where: what` (no pydantic dump, no URLs), the
    Checker's refusals as they are worded, anything else on one line."""
    cause = error.__cause__
    if isinstance(cause, pydantic.ValidationError) and cause.title == f"{tool}Arguments":
        return fields_detail(cause.errors(include_url=False))
    if isinstance(cause, ConsistencyError):
        return one_line(str(cause))
    return one_line(str(error))


# ---- threads and progress --------------------------------------------------


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
