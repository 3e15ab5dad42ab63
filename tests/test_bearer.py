"""`BearerAuth`, the token check both servers run behind: in process over a
small ASGI app, then in front of a real `consistency serve --http`. (The MCP
server's side is in test_mcp_server.py.)"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from consistency.server.common import BearerAuth

from .server_process import running_server
from .test_cli import cli_env

TOKEN = "s3cret"
WELL_KNOWN = (
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
    "/.well-known",
)


def guarded_app() -> tuple[BearerAuth, list[str]]:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("started")
        yield

    async def hello(request):
        return PlainTextResponse("hello")

    async def echo(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app = Starlette(
        routes=[Route("/", hello), Route("/.well-known/secret", hello), WebSocketRoute("/ws", echo)],
        lifespan=lifespan,
    )
    return BearerAuth(app, TOKEN), events


def test_the_token_is_required_with_the_scheme_in_any_case():
    guarded, events = guarded_app()
    with TestClient(guarded) as client:
        status = {
            header: client.get("/", headers={"Authorization": header} if header else {}).status_code
            for header in (
                f"Bearer {TOKEN}",
                f"bearer {TOKEN}",
                f"BEARER {TOKEN}",
                f"Bearer   {TOKEN}",
                "",
                "Bearer",
                "Bearer ",
                "Bearer s3cre",
                f"Bearer {TOKEN}x",
                f"Basic {TOKEN}",
                f"Bearer{TOKEN}",
                TOKEN,
            )
        }
        refused = client.get("/")
    assert events == ["started"]  # the lifespan runs without a token
    assert status == {
        f"Bearer {TOKEN}": 200,
        f"bearer {TOKEN}": 200,
        f"BEARER {TOKEN}": 200,
        f"Bearer   {TOKEN}": 200,
        "": 401,
        "Bearer": 401,
        "Bearer ": 401,
        "Bearer s3cre": 401,
        f"Bearer {TOKEN}x": 401,
        f"Basic {TOKEN}": 401,
        f"Bearer{TOKEN}": 401,
        TOKEN: 401,
    }
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"detail": "missing or wrong bearer token"}


def test_well_known_paths_are_not_found_without_asking_for_the_token():
    guarded, _ = guarded_app()
    with TestClient(guarded) as client:
        replies = [client.get(path) for path in WELL_KNOWN]
        # Even what the app would serve there: nothing under /.well-known/ is published.
        with_token = client.get("/.well-known/secret", headers={"Authorization": f"Bearer {TOKEN}"})
    for reply in [*replies, with_token]:
        assert reply.status_code == 404 and reply.json() == {"detail": "Not Found"}
        assert "www-authenticate" not in reply.headers


def test_a_websocket_without_the_token_is_refused():
    guarded, _ = guarded_app()
    with TestClient(guarded) as client:
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        with client.websocket_connect("/ws", headers={"Authorization": f"bearer {TOKEN}"}) as socket:
            greeting = socket.receive_text()
    assert refused.value.code == 1008 and greeting == "hello"


def test_public_paths_are_read_without_the_token_and_nothing_else_is():
    guarded, _ = guarded_app()
    guarded.public = ("/docs",)
    with TestClient(guarded) as client:
        docs = client.get("/docs/assets/x.js")
        written = client.post("/docs")
        beside = client.get("/docsx")
        root = client.get("/")
    assert docs.status_code == 404  # through the guard: the small app has no such page
    assert written.status_code == beside.status_code == root.status_code == 401


def test_an_empty_token_is_refused():
    with pytest.raises(ValueError, match="empty bearer token"):
        BearerAuth(Starlette(), "")


@pytest.mark.slow
def test_the_http_api_behind_a_token(tmp_path):
    env = cli_env({"CONSISTENCY_TOKEN": TOKEN})
    with running_server("--http", "--store", str(tmp_path / "store"), env=env) as server:
        client = httpx.Client(base_url=server.url, timeout=60)
        status = {
            name: client.get("/status", headers=headers)
            for name, headers in {
                "Bearer": {"Authorization": f"Bearer {TOKEN}"},
                "bearer": {"Authorization": f"bearer {TOKEN}"},
                "anonymous": {},
                "wrong": {"Authorization": "Bearer nope"},
            }.items()
        }
        well_known = [client.get(path) for path in WELL_KNOWN]
        docs, schema = client.get("/docs"), client.get("/openapi.json")
    # The docs open in a browser, which cannot send the token; the schema says the API needs it.
    assert docs.status_code == 200 and schema.status_code == 200
    assert schema.json()["security"] == [{"bearer": []}]
    assert status["Bearer"].status_code == status["bearer"].status_code == 200
    assert status["Bearer"].json()["sources"] == 0
    assert status["anonymous"].status_code == status["wrong"].status_code == 401
    assert status["anonymous"].headers["www-authenticate"] == "Bearer"
    assert all(reply.status_code == 404 for reply in well_known)
