"""The HTTP API: `consistency serve --http`. A thin FastAPI shell over
`Checker`; every response body is the same pydantic model that `--json`
prints. The OpenAPI schema is at /openapi.json, interactive docs at /docs
(served from this server: no CDN, so they work offline).

Every error is `{"detail": "one line"}`. The rule for status codes: 400
for any bad input (a field missing, of the wrong type, empty or too long,
a date that is not a date, a source id or path that does not exist), 401
without the server's bearer token, 403 for a path outside the folders the
server may ingest from, 503 when the store cannot be read. 422 is never
used, and a detail never echoes the input back.

Handlers are plain functions: FastAPI runs them on its worker threads, so
slow questions do not block each other or the server.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .. import __version__
from ..checker import Checker
from ..config import MAX_QUESTION_CHARS
from ..errors import AccessDenied, ConsistencyError, StoreError
from ..models import Answer, AuditReport, Filters, IngestReport, Source, SourceInfo, StoreStatus, Verdict
from .common import AuditPage, ConflictKind, IngestRoots, Severity, audit_page
from .errors import DATE_PATTERN, NOT_BLANK, fields_detail, not_blank, one_line
from .events import INTERNAL_ERROR, Emit, event_stream
from .web import add_web

Text = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK), AfterValidator(not_blank)]
TopK = Annotated[int | None, Field(None, ge=1, le=100, description="passages to read (default 8)")]
Date = Annotated[str, Field(pattern=DATE_PATTERN, examples=["2025-07-04", "2025-07", "2025"])]
SourceId = Annotated[str, Field(min_length=1, max_length=200)]
IngestPath = Annotated[str, Field(max_length=4096)]


# An unknown field is refused, not dropped: a misspelt "source" would
# otherwise answer from every source with a 200.
_CLOSED = ConfigDict(extra="forbid")


class AskRequest(BaseModel):
    model_config = _CLOSED

    question: Text = Field(examples=["How many drones were used in the record overnight attack?"])
    top_k: TopK = None
    sources: list[SourceId] | None = Field(
        None, max_length=1000, description="only these source ids (a file id covers all its articles)"
    )
    since: Date | None = Field(
        None, description="only sources published on or after this date (YYYY-MM-DD, YYYY-MM or YYYY)"
    )
    until: Date | None = Field(
        None, description="only sources published on or before this date (YYYY-MM-DD, YYYY-MM or YYYY)"
    )


class CheckRequest(BaseModel):
    model_config = _CLOSED

    claim: Text = Field(examples=["The flood destroyed 300 homes in the valley last week"])
    top_k: TopK = None


class IngestRequest(BaseModel):
    model_config = _CLOSED

    paths: list[IngestPath] = Field(
        min_length=1,
        max_length=1000,
        description="files or folders inside the folders the server was started with; relative paths are taken "
        "inside the first of them",
    )


class ErrorBody(BaseModel):
    detail: str = Field(description="what went wrong, in one line", examples=["question: must not be empty"])


# A user's mistake or a server-side condition, never a 500.
_STATUS = [(AccessDenied, 403), (StoreError, 503), (ConsistencyError, 400)]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


Responses = dict[int | str, dict[str, Any]]
BAD_INPUT: Responses = {
    400: _error(
        "bad input, in one line naming the field: missing, of the wrong type, empty, too long or not a date; "
        "an unknown source id; a path that does not exist; a question to a store that holds no sources yet"
    )
}
UNAVAILABLE: Responses = {503: _error("the store cannot be read")}


def create_app(checker: Checker, roots: IngestRoots, *, bearer: bool | None = None) -> FastAPI:
    """`bearer`: whether the server runs behind a token (`BearerAuth`).
    True: the schema requires it; False: no scheme is declared; None (not
    told): the scheme is declared as optional, with its 401."""
    app = FastAPI(
        title="consistency",
        version=__version__,
        description=(
            "Answers questions from stored news sources with verified verbatim citations, and flags where the "
            'sources disagree.\n\nEvery error is `{"detail": "one line"}`: 400 for bad input (a field missing, '
            "of the wrong type, empty, too long or not a date; an unknown source id; a path that does not exist; "
            "a question to a store that holds no sources yet), "
            "401 without the server's bearer token, 403 for a path outside the folders the server may ingest "
            "from, 503 when the store cannot be read."
        ),
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        openapi_url=None,  # served below, with this server's address
        docs_url=None,  # served below, from local files
        redoc_url=None,
    )

    @app.exception_handler(ConsistencyError)
    async def one_line_error(request: Request, error: ConsistencyError) -> JSONResponse:
        status = next(code for kind, code in _STATUS if isinstance(error, kind))
        return JSONResponse({"detail": one_line(str(error))}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_detail(error.errors())}, status_code=400)

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> JSONResponse:
        # A bug: the traceback goes to the server's log, the client gets the same shape as any error.
        return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)

    @app.post(
        "/ask",
        operation_id="ask",
        response_model=Answer,
        responses={**BAD_INPUT, **UNAVAILABLE},
        summary="Answer a question with cited sources and conflicts",
    )
    def ask(request: AskRequest) -> Answer:
        filters = Filters(sources=request.sources, since=request.since, until=request.until)
        return checker.ask(request.question, top_k=request.top_k, filters=filters)

    @app.post(
        "/ask/stream",
        operation_id="askStream",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": (
                    'Server-sent events: `draft` ({"text": ...}) as the reader writes it, UNVERIFIED, for '
                    "a progress display only (with an LLM, one line per source as it is read; none without "
                    "one); then `answer` (the validated Answer, as POST /ask returns it) or `error` "
                    '({"detail": "one line"}). Only the answer\'s figures and quotes are checked.'
                ),
                # Each event, as SSE parsers hand it over: its name, and its data (JSON text).
                "content": {
                    "text/event-stream": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "event": {"type": "string", "enum": ["draft", "answer", "error"]},
                                "data": {"type": "string", "contentMediaType": "application/json"},
                            },
                            "required": ["event", "data"],
                        }
                    }
                },
            },
            **BAD_INPUT,
            **UNAVAILABLE,
        },
        summary="Answer a question, streaming the unverified draft before the validated answer",
    )
    def ask_stream(request: AskRequest) -> StreamingResponse:
        checker.require_sources()  # before the stream starts: a plain 400
        filters = Filters(sources=request.sources, since=request.since, until=request.until)

        def work(emit: Emit) -> tuple[str, str]:
            def draft(text: str) -> None:
                emit("draft", json.dumps({"text": text}, ensure_ascii=False))

            answer = checker.ask(request.question, top_k=request.top_k, filters=filters, on_token=draft)
            return "answer", answer.model_dump_json()

        return event_stream(work)

    @app.post(
        "/check",
        operation_id="check",
        response_model=Verdict,
        responses={**BAD_INPUT, **UNAVAILABLE},
        summary="Check a claim: supported, contradicted, disputed or not found",
    )
    def check(request: CheckRequest) -> Verdict:
        return checker.check(request.claim, top_k=request.top_k)

    @app.get(
        "/audit",
        operation_id="audit",
        response_model=AuditReport,
        responses={**BAD_INPUT, **UNAVAILABLE},
        summary="Every conflict in the store, most severe first",
    )
    def audit(
        limit: Annotated[int | None, Query(ge=1, le=10_000, description="only the N most severe conflicts")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="skip the N most severe (for paging)")] = 0,
        kind: Annotated[ConflictKind | None, Query(description="only conflicts of this kind")] = None,
        severity: Annotated[Severity | None, Query(description="only conflicts of this severity")] = None,
        source: Annotated[
            str | None, Query(min_length=1, max_length=200, description="only conflicts citing this source id")
        ] = None,
    ) -> AuditReport:
        if offset == 0 and kind is None and severity is None and source is None:
            return checker.audit(limit=limit)
        # `total` then counts the conflicts that pass the filters.
        return audit_page(checker, AuditPage(offset=offset, limit=limit, kind=kind, severity=severity, source=source))

    @app.get(
        "/sources",
        operation_id="listSources",
        response_model=list[SourceInfo],
        responses=UNAVAILABLE,
        summary="The stored sources",
    )
    def sources() -> list[SourceInfo]:
        return checker.sources()

    @app.get(
        "/sources/{source_id}",
        operation_id="getSource",
        response_model=Source,
        responses={**BAD_INPUT, 404: _error("no stored source has this id"), **UNAVAILABLE},
        summary="One stored source with its whole text (citations are spans of it)",
    )
    def source(source_id: Annotated[str, PathParam(min_length=1, max_length=200)]) -> Source:
        found = checker.source(source_id)
        if found is None:
            raise HTTPException(404, f"no source with id {source_id!r} (GET /sources lists them)")
        return found

    @app.get(
        "/status",
        operation_id="status",
        response_model=StoreStatus,
        responses=UNAVAILABLE,
        summary="Store location, counts and models in use",
    )
    def status() -> StoreStatus:
        return checker.status()

    @app.post(
        "/ingest",
        operation_id="ingest",
        response_model=IngestReport,
        responses={
            **BAD_INPUT,
            403: _error("a path outside the folders the server may ingest from, or ingest disabled"),
            **UNAVAILABLE,
        },
        summary="Add or update files inside the folders the server was started with",
    )
    def ingest(request: IngestRequest) -> IngestReport:
        return roots.ingest(checker, request.paths)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _finish_schema(FastAPI.openapi(app), bearer)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_json(request: Request) -> JSONResponse:
        schema = openapi()
        url = _server_url(request)
        if url:
            schema = {"openapi": schema["openapi"], "info": schema["info"], "servers": [{"url": url}], **schema}
        return JSONResponse(schema)

    _add_docs(app)
    add_web(app, checker, roots)
    return app


# ---- one-line errors -------------------------------------------------------


def validation_detail(errors: Sequence[Any]) -> str:
    """FastAPI's validation errors as one line naming each field and what is
    wrong ("question: must not be empty"), never the input itself."""
    for error in errors:
        if error.get("type") == "json_invalid":
            return "the request body is not valid JSON"
        loc = [part for part in error.get("loc", ()) if part != "body"]
        if not loc or not isinstance(loc[0], str):  # the body itself, not one of its fields
            if error.get("type") == "missing":
                return "the request body is missing (a JSON object)"
            return "the request body must be a JSON object"
    return fields_detail(errors)


# ---- the OpenAPI schema ----------------------------------------------------

BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "the token the server was started with (--token or CONSISTENCY_TOKEN)",
}


def _finish_schema(schema: dict[str, Any], bearer: bool | None) -> dict[str, Any]:
    """What FastAPI leaves out or gets wrong for this API: no 422 (bad input
    is a 400), the bearer scheme and its 401s, operations as they are secured."""
    components = schema.setdefault("components", {})
    schemas = components.get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if bearer is not False:
        components["securitySchemes"] = {"bearer": BEARER_SCHEME}
    # Not told whether a token is set: a client may send one ({} is "no authentication").
    schema["security"] = [] if bearer is False else [{"bearer": []}] if bearer else [{}, {"bearer": []}]
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation["responses"].pop("422", None)
            if bearer is False:
                continue
            operation["responses"]["401"] = {
                "description": "a missing or wrong bearer token",
                "headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            }
    return schema


def _server_url(request: Request) -> str | None:
    """The address this server listens on, as the client reached it."""
    server = request.scope.get("server")
    if not server or server[1] is None:
        return None
    host, port = server
    host = f"[{host}]" if ":" in host else host
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{request.url.scheme}://{host}:{port}{root}"


# ---- /docs -----------------------------------------------------------------


def _add_docs(app: FastAPI) -> None:
    """Swagger UI from the `fastapi-offline` package's copy (no CDN), or a
    plain page of the operations when that package is not installed."""
    assets = _swagger_assets()
    if assets is not None:
        app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        if assets is None:
            return _plain_docs(app.openapi(), f"{root}/openapi.json")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/assets/favicon.png",
            oauth2_redirect_url=None,
            # No badge from the online validator: nothing on the page leaves this server.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )


def _swagger_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _plain_docs(schema: dict[str, Any], openapi_url: str) -> HTMLResponse:
    rows = "".join(
        f"<li><code>{method.upper()} {html.escape(path)}</code> ({html.escape(operation.get('operationId', ''))}): "
        f"{html.escape(operation.get('summary', ''))}</li>"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    )
    title = html.escape(schema["info"]["title"])
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title} - API docs</title></head><body>"
        f"<h1>{title} {html.escape(schema['info']['version'])}</h1><p>{html.escape(schema['info']['description'])}</p>"
        f"<ul>{rows}</ul><p>The schema: <a href='{html.escape(openapi_url)}'>{html.escape(openapi_url)}</a></p>"
        "</body></html>"
    )
