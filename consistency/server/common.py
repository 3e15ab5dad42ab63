"""What the MCP server and the HTTP API share: a Checker warmed up before
the first client, the folders a client may ingest from, and who may connect.

Both servers run blocking Checker calls on worker threads: questions run
side by side, ingests one at a time (Checker serialises them), and the
store stays readable while an ingest writes.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from pathlib import Path

from ..checker import Checker
from ..errors import AccessDenied, InputError
from ..models import IngestReport

DEFAULT_HOST = "127.0.0.1"
DEFAULT_HTTP_PORT = 8765


class IngestRoots:
    """The folders a server was started with. A client may ingest files and
    folders inside them, and nothing else: a chat tool driven by a model
    must not be able to read /etc/passwd into the store."""

    def __init__(self, folders: list[Path]):
        self.folders: list[Path] = []
        for folder in folders:
            if not folder.is_dir():
                raise InputError(f"--allow-ingest {folder}: no such folder")
            self.folders.append(folder.resolve())

    def resolve(self, paths: list[str]) -> list[Path]:
        """The paths, resolved (symlinks followed), if every one lies inside
        an allowed folder; relative paths are taken inside the first one."""
        if not self.folders:
            raise AccessDenied("this server was started without --allow-ingest FOLDER: ingest is disabled")
        if not paths:
            raise InputError("no paths to ingest")
        return [self._inside(path) for path in paths]

    def _inside(self, path: str) -> Path:
        try:
            candidate = Path(path).expanduser()
            if not candidate.is_absolute():
                candidate = self.folders[0] / candidate
            resolved = candidate.resolve()
        except (ValueError, OSError, RuntimeError):  # a NUL byte, a symlink loop, an unknown ~user
            raise InputError(f"{path!r} is not a usable path") from None
        if not any(resolved == folder or folder in resolved.parents for folder in self.folders):
            allowed = ", ".join(str(f) for f in self.folders)
            raise AccessDenied(f"{path}: outside the folders this server may ingest from ({allowed})")
        return resolved

    def ingest(self, checker: Checker, paths: list[str], **callbacks) -> IngestReport:
        """`callbacks`: Checker.ingest's on_start / on_file, for progress."""
        # The paths named are checked here; every file found under them is
        # checked again by ingest, after its links are followed.
        return checker.ingest(self.resolve(paths), within=self.folders, **callbacks)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, port: int, token: str | None) -> None:
    """Refuses, in one line, a server that would be open to the network
    without a token, or a port that is taken."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"binding to {host} opens the server to other machines: set a bearer token with --token or "
            f"CONSISTENCY_TOKEN"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def warm_up(checker: Checker) -> None:
    """Opens the store, the embedding model and the LLM before the first
    client: a broken store fails the start, not a request, and the first
    question is as fast as the rest."""
    checker.status()
    checker.model.embed_one("warm up")
    checker.open_llm()


class BearerAuth:
    """ASGI middleware: every request must carry `Authorization: Bearer
    TOKEN` (compared in constant time). Used by both servers."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        body = b'{"detail":"missing or wrong bearer token"}'
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b"Bearer"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _authorised(self, scope) -> bool:
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        return hmac.compare_digest(given, self.expected)
