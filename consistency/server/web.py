"""The web page: `consistency serve --http` (or `--web`) at `/`.

Fact-checkers and editors work in a browser. The page is a thin shell over
the HTTP API: its script calls the same JSON endpoints programs call (/ask,
/check, /audit, /sources, /sources/{id}), so there is one implementation of
answering. The page itself (HTML, script, style) holds no data and is
served without the bearer token; every call that reads the store sends it.

What the API does not say, this module adds, for the page only:

- /web/cards: conflicts laid out as the audit report lays them out (each
  side's own quotes, a sentence that states several sides once, below
  them) with each side's value marked, by the report's own highlighter.
  The marks come back as text segments, so that the script builds the
  card from text nodes: nothing from a source is ever parsed as markup.
- /web/files and /web/ingest: the files a client may ingest (those inside
  the --allow-ingest folders, under the same rules as /ingest), and an
  ingest that reports each file as it is done, for a progress bar.
- /web/upload: a file chosen on the user's own disk, kept in the first
  allowed folder's uploads/ and then ingested like any file there (the
  request body is the file itself: no form parsing, no extra dependency).

No CDN, fonts or scripts from elsewhere: it works offline.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..checker import Checker
from ..errors import InputError
from ..ingest.files import find_files
from ..models import Citation, Conflict
from . import report
from .common import IngestRoots
from .events import Emit, event_stream

PAGE_FOLDER = Path(__file__).parent / "web"
# The page and what it loads: no data, readable without the bearer token.
PUBLIC_PATHS = ("/", "/web/static")
MAX_LISTED_FILES = 5000


class Segment(BaseModel):
    """A run of a quote: marked as a side's value (its colour, 1-4) or not."""

    text: str
    side: int | None = None


class MarkedQuote(BaseModel):
    citation: Citation
    segments: list[Segment]


class CardSide(BaseModel):
    value: str
    colour: int
    quotes: list[MarkedQuote]
    only_shared: bool = Field(description="stated only in a sentence below that gives more than one value")


class SharedQuote(BaseModel):
    heading: str
    quote: MarkedQuote


class Card(BaseModel):
    """One conflict as the page shows it: the sides side by side."""

    kind: str
    severity: str
    summary: str
    explanation: str
    sides: list[CardSide]
    shared: list[SharedQuote]


class CardsRequest(BaseModel):
    conflicts: list[Conflict] = Field(max_length=1000)
    citations: list[Citation] = Field(max_length=20_000)


class IngestableFile(BaseModel):
    path: str = Field(description="what to send to /ingest: the file's path")
    name: str = Field(description="the path inside its folder, for people")
    folder: str


class IngestableFiles(BaseModel):
    folders: list[str]
    files: list[IngestableFile]
    truncated: bool = False


class IngestFilesRequest(BaseModel):
    paths: list[str] = Field(min_length=1, max_length=1000)


class Upload(BaseModel):
    path: str = Field(description="where the file was kept: what to send to /web/ingest")
    name: str = Field(description="its name there, for people")


def add_web(app: FastAPI, checker: Checker, roots: IngestRoots) -> None:
    """Mounts the page at `/` and what it needs under /web."""

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(PAGE_FOLDER / "index.html", media_type="text/html")

    @app.get("/web/static/sides.css", include_in_schema=False)
    def side_colours() -> PlainTextResponse:
        return PlainTextResponse(SIDES_CSS, media_type="text/css")

    @app.post("/web/cards", include_in_schema=False, response_model=list[Card])
    def cards(request: CardsRequest) -> list[Card]:
        by_id = {citation.id: citation for citation in request.citations}
        return [card(conflict, by_id) for conflict in request.conflicts]

    @app.get("/web/report.html", include_in_schema=False)
    def audit_report() -> HTMLResponse:
        return HTMLResponse(report.audit_html(checker.audit(), checker.sources()))

    @app.get("/web/files", include_in_schema=False, response_model=IngestableFiles)
    def files() -> IngestableFiles:
        return ingestable_files(roots)

    @app.post("/web/ingest", include_in_schema=False)
    def ingest(request: IngestFilesRequest) -> StreamingResponse:
        roots.resolve(request.paths)  # a refusal is a plain error, before the stream starts
        return ingest_events(checker, roots, request.paths)

    @app.post("/web/upload", include_in_schema=False, response_model=Upload)
    async def upload(request: Request, name: str = Query(max_length=255)) -> Upload:
        roots.require()  # before the body is read
        raw = await _body(request, name, checker.settings.max_file_mb)
        kept = await run_in_threadpool(roots.receive, name, raw, checker.settings.max_file_mb)
        return Upload(path=str(kept), name=kept.relative_to(roots.folders[0]).as_posix())

    # After sides.css: a mount answers for everything under it.
    app.mount("/web/static", StaticFiles(directory=PAGE_FOLDER), name="web-static")


# The colours are the audit report's, so that a side looks the same on both.
SIDES_CSS = "".join(
    f".side-{n}{{border-left-color:{colour}}} mark.side-{n}{{background:{colour}}}\n"
    for n, colour in enumerate(report.SIDE_COLOURS, start=1)
)


# ---- conflict cards --------------------------------------------------------


def card(conflict: Conflict, by_id: dict[int, Citation]) -> Card:
    shared = conflict.shared_citations()
    sides = []
    for position, side in enumerate(conflict.sides, start=1):
        own = [by_id[n] for n in side.citations if n in by_id and n not in shared]
        sides.append(
            CardSide(
                value=side.value,
                colour=report.side_colour(position),
                quotes=[marked(citation, [(position, side.value)]) for citation in own],
                only_shared=not own and any(n in shared for n in side.citations),
            )
        )
    return Card(
        kind=conflict.kind,
        severity=conflict.severity,
        summary=conflict.summary,
        explanation=conflict.explanation,
        sides=sides,
        shared=[_shared(n, conflict, by_id[n]) for n in sorted(shared) if n in by_id],
    )


def _shared(citation_id: int, conflict: Conflict, citation: Citation) -> SharedQuote:
    stated = [
        (position, side.value) for position, side in enumerate(conflict.sides, start=1) if citation_id in side.citations
    ]
    values = " and ".join(f"“{value}”" for _, value in stated)
    both = "both" if len(stated) == len(conflict.sides) == 2 else "several"
    return SharedQuote(heading=f"One sentence states {both} values: {values}", quote=marked(citation, stated))


_MARK = re.compile(r'<mark class="side-(\d+)">(.*?)</mark>', re.DOTALL)


def marked(citation: Citation, values: list[tuple[int, str]]) -> MarkedQuote:
    """The quote cut where the audit report's highlighter marks a value.
    Its output escapes all text, so a `<` in it is always its own tag."""
    page = report.highlight(citation.quote, values)
    segments, last = [], 0
    for match in _MARK.finditer(page):
        if match.start() > last:
            segments.append(Segment(text=html.unescape(page[last : match.start()])))
        segments.append(Segment(text=html.unescape(match.group(2)), side=int(match.group(1))))
        last = match.end()
    if last < len(page):
        segments.append(Segment(text=html.unescape(page[last:])))
    return MarkedQuote(citation=citation, segments=segments)


# ---- ingest ------------------------------------------------------------------


async def _body(request: Request, name: str, max_mb: float) -> bytes:
    """The request's body, read no further than the file size limit."""
    limit = int(max_mb * 1024 * 1024)
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise InputError(f"{name}: file is larger than the limit of {max_mb:g} MB")
    return bytes(received)


def ingestable_files(roots: IngestRoots) -> IngestableFiles:
    """The files an ingest would read in each allowed folder."""
    roots.require()
    found: list[IngestableFile] = []
    for folder in roots.folders:
        for candidate in find_files([folder]):
            if len(found) == MAX_LISTED_FILES:
                return IngestableFiles(folders=[str(f) for f in roots.folders], files=found, truncated=True)
            name = candidate.path.relative_to(folder).as_posix()
            found.append(IngestableFile(path=str(candidate.path), name=name, folder=str(folder)))
    return IngestableFiles(folders=[str(f) for f in roots.folders], files=found)


def ingest_events(checker: Checker, roots: IngestRoots, paths: list[str]) -> StreamingResponse:
    """Server-sent events: `start` (how many files), `file` (each
    FileResult as it is known), then `done` (the IngestReport) or `error`
    ({"detail": "one line"})."""

    def work(emit: Emit) -> tuple[str, str]:
        report = roots.ingest(
            checker,
            paths,
            on_start=lambda count: emit("start", json.dumps({"files": count})),
            on_file=lambda done: emit("file", done.model_dump_json()),
        )
        return "done", report.model_dump_json()

    return event_stream(work)
