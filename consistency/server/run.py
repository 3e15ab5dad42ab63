"""Starting a server: the HTTP API or the MCP server, on stdio or a port,
behind the bearer token when one is set."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

from ..checker import Checker
from .common import BearerAuth, IngestRoots

Announce = Callable[[str], None]


def serve_http(
    checker: Checker,
    roots: IngestRoots,
    host: str,
    port: int,
    token: str | None,
    announce: Announce,
    open_browser: bool = False,
) -> None:
    """The HTTP API (FastAPI) and its web page until interrupted;
    `open_browser`: open the page once the server listens."""
    from .http import create_app
    from .web import PUBLIC_PATHS

    app = create_app(checker, roots, bearer=bool(token))
    page = f"http://{_url_host(_reachable(host))}:{port}/"
    announce(f"consistency HTTP API on {page} (the web page: /, OpenAPI: /openapi.json, docs: /docs)")
    if open_browser:
        threading.Thread(target=_open_when_listening, args=(page, _reachable(host), port), daemon=True).start()
    # A browser cannot send the token to open the docs; they describe the API and hold no data.
    # Nor the page's HTML, script and style: its script sends the token with every call for data.
    _run_asgi(app, host, port, token, public=("/docs", "/openapi.json", *PUBLIC_PATHS))


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


def _open_when_listening(url: str, host: str, port: int, timeout: float = 60) -> None:
    import webbrowser

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            webbrowser.open(url)
            return
        time.sleep(0.2)


def _reachable(host: str) -> str:
    """Where a browser on this machine reaches a server bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
