"""What the MCP server and the HTTP API share: a Checker warmed up before
the first client, the folders a client may ingest from, and who may connect.

Both servers run blocking Checker calls on worker threads: questions run
side by side, ingests one at a time (Checker serialises them), and the
store stays readable while an ingest writes.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..checker import Checker
from ..errors import AccessDenied, InputError
from ..index.store import file_id
from ..ingest.files import SUPPORTED_SUFFIXES, decode
from ..models import AuditReport, Conflict, IngestReport

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

    def require(self) -> None:
        """Refuses, in one line, when no folder was allowed."""
        if not self.folders:
            raise AccessDenied("this server was started without --allow-ingest FOLDER: ingest is disabled")

    def resolve(self, paths: list[str]) -> list[Path]:
        """The paths, resolved (symlinks followed), if every one lies inside
        an allowed folder and exists; relative paths are taken inside the
        first folder. A path that does not exist is the client's mistake (a
        typo, a file not yet copied in): the whole request is refused, naming
        it, before anything is written. A file that exists but cannot be
        read fails alone in the report, as in any ingest."""
        self.require()
        if not paths:
            raise InputError("no paths to ingest")
        return [self._inside(path) for path in paths]

    def _inside(self, path: str) -> Path:
        try:
            candidate = Path(path).expanduser()
            relative = not candidate.is_absolute()
            if relative:
                candidate = self.folders[0] / candidate
            resolved = candidate.resolve()
        except (ValueError, OSError, RuntimeError):  # a NUL byte, a symlink loop, an unknown ~user
            raise InputError(f"{path!r} is not a usable path") from None
        if not any(resolved == folder or folder in resolved.parents for folder in self.folders):
            allowed = ", ".join(str(f) for f in self.folders)
            raise AccessDenied(f"{path}: outside the folders this server may ingest from ({allowed})")
        # Checked after the folders: whether a file outside them exists is not told.
        try:
            found = resolved.exists()
        except OSError:  # a name too long, a folder without search permission
            found = False
        if not found:
            where = f" (relative paths are taken inside {self.folders[0]})" if relative else ""
            raise InputError(f"{path}: no such file or folder{where}")
        return resolved

    def receive(self, name: str, raw: bytes, max_mb: float) -> Path:
        """Keeps a file sent from a client's own disk in the first folder's
        `uploads/`, where ingest may read it; the path it was saved at. The
        file is checked as ingest would check it before anything is written,
        so that nothing unreadable is kept; the same bytes sent again are the
        file already kept, and another file of the same name gets a new one.
        The file appears whole or not at all: written under a hidden name
        (which ingest skips), then linked to its own."""
        self.require()
        base = Path(name.replace("\\", "/")).name
        if not base or base.startswith(".") or "\0" in base:
            raise InputError(f"{name!r} is not a usable file name")
        if Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputError(f"{base}: unsupported file type; expected .txt, .md or .html")
        if len(raw) > max_mb * 1024 * 1024:
            raise InputError(f"{base}: file is {len(raw) / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB")
        if not raw.strip():
            raise InputError(f"{base}: file is empty")
        decode(Path(base), raw)  # a binary file is refused here, as ingest would refuse it
        folder = self.folders[0] / UPLOADS
        try:
            folder.mkdir(exist_ok=True)
            return _keep(folder, base, raw)
        except OSError as error:
            raise InputError(f"cannot keep {base} in {folder}: {error.strerror}") from None

    def ingest(self, checker: Checker, paths: list[str], **callbacks) -> IngestReport:
        """`callbacks`: Checker.ingest's on_start / on_file, for progress."""
        # The paths named are checked here; every file found under them is
        # checked again by ingest, after its links are followed.
        return checker.ingest(self.resolve(paths), within=self.folders, **callbacks)


UPLOADS = "uploads"  # inside the first allowed folder: where files sent from a client's disk are kept
STALE_PART_SECONDS = 3600  # a partial upload this old was left by a server that died


def _keep(folder: Path, name: str, raw: bytes) -> Path:
    _clear_stale_parts(folder)
    stem, suffix = Path(name).stem, Path(name).suffix
    partial = folder / f".{name}.{secrets.token_hex(4)}.part"
    with open(partial, "wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    try:
        for number in range(1, 1000):
            target = folder / (name if number == 1 else f"{stem} ({number}){suffix}")
            try:
                os.link(partial, target)  # refuses to replace a file another upload just kept
                return target
            except FileExistsError:
                if target.read_bytes() == raw:
                    return target
        raise InputError(f"{name}: too many files of that name in {folder}")
    finally:
        partial.unlink(missing_ok=True)


def _clear_stale_parts(folder: Path) -> None:
    for partial in folder.glob(".*.part"):
        try:
            if time.time() - partial.stat().st_mtime > STALE_PART_SECONDS:
                partial.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: it is hidden from ingest either way


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
    TOKEN`. The scheme is matched in any case ("bearer TOKEN", RFC 7235),
    the token compared in constant time. Used by both servers.

    /.well-known/ paths answer 404 without asking for the token: neither
    server publishes OAuth metadata, and a client that follows the MCP
    authorization spec looks there after a 401 (oauth-protected-resource,
    oauth-authorization-server) and, finding nothing, does not start an
    OAuth flow; it keeps to the token it was given. `public` paths (and
    what lies under them) are read without the token: the HTTP API's docs,
    which a browser cannot send a token to and which hold no data."""

    def __init__(self, app, token: str, public: tuple[str, ...] = ()):
        if not token:
            raise ValueError("an empty bearer token would let anyone in")
        self.app = app
        self.token = token.encode()
        self.public = public

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, receive, send)
        elif kind == "http" and self._well_known(scope):
            await self._respond(send, 404, b'{"detail":"Not Found"}')
        elif self._authorised(scope) or self._public(scope):
            await self.app(scope, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
        else:
            body = b'{"detail":"missing or wrong bearer token"}'
            await self._respond(send, 401, body, [(b"www-authenticate", b"Bearer")])

    def _authorised(self, scope) -> bool:
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, credentials = given.strip().partition(b" ")
        # The token is compared in full whatever the scheme: the time taken says nothing about it.
        matches = hmac.compare_digest(credentials.lstrip(b" "), self.token)
        return matches and scheme.lower() == b"bearer"

    def _public(self, scope) -> bool:
        path = scope.get("path", "")
        readable = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD")
        return readable and any(path == p or path.startswith(p + "/") for p in self.public)

    @staticmethod
    def _well_known(scope) -> bool:
        path = scope.get("path", "")
        return path == "/.well-known" or path.startswith("/.well-known/")

    @staticmethod
    async def _respond(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *(headers or []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


ConflictKind = Literal["numeric", "qualitative", "date", "entity"]
Severity = Literal["minor", "major"]


class AuditPage(BaseModel):
    """Which conflicts of an audit a client wants: a store can hold
    thousands, a page shows a few at a time."""

    offset: int = 0
    limit: int | None = None
    kind: ConflictKind | None = None
    severity: Severity | None = None
    source: str | None = None


def audit_page(checker: Checker, page: AuditPage) -> AuditReport:
    """The conflicts that pass the filters, most severe first, from
    `offset` on; `total` counts all that pass. Citations are those the page
    cites, under their ids in the whole audit."""
    if page.source is not None:
        _known_source(checker, page.source)
    report = checker.audit()
    by_id = {citation.id: citation for citation in report.citations}

    def passes(conflict: Conflict) -> bool:
        if conflict.kind != (page.kind or conflict.kind) or conflict.severity != (page.severity or conflict.severity):
            return False
        cited = {by_id[n].source for side in conflict.sides for n in side.citations if n in by_id}
        return page.source is None or any(page.source in (s, file_id(s)) for s in cited)

    return page_of(report, page.offset, page.limit, passes)


def page_of(
    report: AuditReport, offset: int, limit: int | None, keep: Callable[[Conflict], bool] | None = None
) -> AuditReport:
    """The conflicts `keep` passes, from `offset` on, with the citations they
    use (ids unchanged, so an id means the same quote on every page);
    `total` counts all that pass. Both servers page audits with it."""
    passing = [conflict for conflict in report.conflicts if keep is None or keep(conflict)]
    end = None if limit is None else offset + limit
    shown = passing[offset:end]
    used = {n for conflict in shown for side in conflict.sides for n in side.citations}
    return report.model_copy(
        update={
            "conflicts": shown,
            "citations": [citation for citation in report.citations if citation.id in used],
            "total": len(passing),
        }
    )


def _known_source(checker: Checker, source_id: str) -> None:
    stored = {info.id for info in checker.sources()}
    if source_id not in stored | {file_id(s) for s in stored}:
        raise InputError(f"unknown source {source_id!r}: the store holds no source or file with that id")
