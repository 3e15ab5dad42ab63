"""The HTTP API: `consistency serve --http`. A thin FastAPI shell over
`Checker`; every response body is the same pydantic model that `--json`
prints. The OpenAPI schema is at /openapi.json, interactive docs at /docs.

Handlers are plain functions: FastAPI runs them on its worker threads, so
slow questions do not block each other or the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .. import __version__
from ..checker import Checker
from ..config import MAX_QUESTION_CHARS
from ..errors import AccessDenied, ConsistencyError, StoreError
from ..models import Answer, AuditReport, Filters, IngestReport, SourceInfo, StoreStatus, Verdict
from .common import IngestRoots

TopK = Annotated[int | None, Field(None, ge=1, le=100, description="passages to read (default 8)")]


class AskRequest(BaseModel):
    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        examples=["How many drones were used in the record overnight attack?"],
    )
    top_k: TopK = None
    sources: list[str] | None = Field(None, description="only these source ids (a file id covers all its articles)")
    since: str | None = Field(None, description="only sources published on or after this date (YYYY-MM-DD)")
    until: str | None = Field(None, description="only sources published on or before this date")


class CheckRequest(BaseModel):
    claim: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        examples=["The flood destroyed 300 homes in the valley last week"],
    )
    top_k: TopK = None


class IngestRequest(BaseModel):
    paths: list[str] = Field(
        min_length=1, description="files or folders inside the folders the server was started with (--allow-ingest)"
    )


class ErrorBody(BaseModel):
    detail: str


# A user's mistake or a server-side condition, never a 500.
_STATUS = [(AccessDenied, 403), (StoreError, 503), (ConsistencyError, 400)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad input, in one line"},
    503: {"model": ErrorBody, "description": "the store is unavailable"},
}


def create_app(checker: Checker, roots: IngestRoots) -> FastAPI:
    app = FastAPI(
        title="consistency",
        version=__version__,
        description=(
            "Answers questions from stored news sources with verified verbatim citations, and flags "
            "where the sources disagree."
        ),
        responses=_ERRORS,
    )

    @app.exception_handler(ConsistencyError)
    async def one_line_error(request: Request, error: ConsistencyError) -> JSONResponse:
        status = next(code for kind, code in _STATUS if isinstance(error, kind))
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # A lone surrogate ("\ud800") cannot be echoed back as UTF-8: say so
        # in one line instead of failing to render FastAPI's usual 422.
        if any(e.get("type") == "string_unicode" for e in error.errors()):
            where = ".".join(str(part) for part in error.errors()[0].get("loc", ()))
            return JSONResponse({"detail": f"{where}: not valid text (a lone surrogate code point)"}, status_code=400)
        return await request_validation_exception_handler(request, error)

    @app.post("/ask", response_model=Answer, summary="Answer a question with cited sources and conflicts")
    def ask(request: AskRequest) -> Answer:
        filters = Filters(sources=request.sources, since=request.since, until=request.until)
        return checker.ask(request.question, top_k=request.top_k, filters=filters)

    @app.post("/check", response_model=Verdict, summary="Check a claim: supported, contradicted, disputed or not found")
    def check(request: CheckRequest) -> Verdict:
        return checker.check(request.claim, top_k=request.top_k)

    @app.get("/audit", response_model=AuditReport, summary="Every conflict in the store, most severe first")
    def audit(limit: Annotated[int | None, Query(ge=1, le=10_000)] = None) -> AuditReport:
        return checker.audit(limit=limit)

    @app.get("/sources", response_model=list[SourceInfo], summary="The stored sources")
    def sources() -> list[SourceInfo]:
        return checker.sources()

    @app.get("/status", response_model=StoreStatus, summary="Store location, counts and models in use")
    def status() -> StoreStatus:
        return checker.status()

    @app.post(
        "/ingest",
        response_model=IngestReport,
        responses={403: {"model": ErrorBody, "description": "a path outside the allowed folders"}},
        summary="Add or update files inside the folders the server was started with",
    )
    def ingest(request: IngestRequest) -> IngestReport:
        return roots.ingest(checker, request.paths)

    return app
