"""Starting a server: the HTTP API or the MCP server, on stdio or a port,
behind the bearer token when one is set."""

from __future__ import annotations

from collections.abc import Callable

from ..checker import Checker
from .common import BearerAuth, IngestRoots

Announce = Callable[[str], None]


def serve_http(
    checker: Checker, roots: IngestRoots, host: str, port: int, token: str | None, announce: Announce
) -> None:
    """The HTTP API (FastAPI) until interrupted."""
    from .http import create_app

    app = create_app(checker, roots, bearer=bool(token))
    announce(f"consistency HTTP API on http://{_url_host(host)}:{port} (OpenAPI: /openapi.json, docs: /docs)")
    # A browser cannot send the token to open the docs; they describe the API and hold no data.
    _run_asgi(app, host, port, token, public=("/docs", "/openapi.json"))


def serve_mcp(
    checker: Checker, roots: IngestRoots, host: str, port: int | None, token: str | None, announce: Announce
) -> None:
    """The MCP server until interrupted: stdio without a port, streamable
    HTTP at /mcp with one."""
    from .mcp import create_server

    server = create_server(checker, roots, host, port or 0)
    if port is None:
        announce("consistency MCP server on stdio")
        server.run("stdio")
        return
    announce(f"consistency MCP server on http://{_url_host(host)}:{port}/mcp (streamable HTTP)")
    _run_asgi(server.streamable_http_app(), host, port, token)


def _run_asgi(app, host: str, port: int, token: str | None, public: tuple[str, ...] = ()) -> None:
    import uvicorn

    uvicorn.run(
        BearerAuth(app, token, public) if token else app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
