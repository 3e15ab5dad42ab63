"""Paths -> files worth reading: found, size-checked, read and decoded.

Every problem with a file becomes an `InputError` with a one-line message,
so that one bad file fails alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

SUPPORTED_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}
# Bumped when cleaning, chunking or claim reading changes, so that re-ingest redoes old files.
PIPELINE_VERSION = "16"


@dataclass
class FileCandidate:
    path: Path
    explicit: bool  # named by the user, not found inside a folder


def find_files(paths: list[Path]) -> Iterator[FileCandidate]:
    """Files named directly, and supported files inside named folders
    (recursively; hidden entries are skipped). Missing paths raise."""
    for path in paths:
        if "\0" in str(path):  # Python 3.11's exists() raises on it instead of answering
            raise InputError(f"{str(path)!r}: not a usable path")
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                # A folder's README or LICENSE describes the folder; it is not an article.
                readme = child.stem.upper() in {"README", "LICENSE", "LICENCE", "CHANGELOG"}
                if child.is_file() and not hidden and not readme and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield FileCandidate(child, explicit=False)
        else:
            yield FileCandidate(path, explicit=True)


def readable_id(path: Path) -> str:
    """The source id a file's name gives, before any clash is resolved."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-") or "source"


def file_hash(raw: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + raw).hexdigest()


def read_bytes(path: Path, max_mb: float) -> bytes:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; expected .txt, .md or .html")
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise InputError(f"{path}: file is {size / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB (--max-file-mb)")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if not raw.strip():
        raise InputError(f"{path}: file is empty")
    return raw


def decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Text and notes. UTF-8 (with or without BOM), UTF-16 with BOM, then
    Windows-1252 (a superset of Latin-1's printable range) as a fallback."""
    if _looks_binary(raw):
        raise InputError(f"{path}: binary file, not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            # A lone surrogate or a cut-off last character (found by tests/test_fuzz.py):
            # the rest is readable, so it is kept, as a browser would.
            note = f"{path}: not valid UTF-16 (a lone surrogate or a cut-off character); unreadable parts replaced"
            return raw.decode("utf-16", errors="replace"), [note]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            return text, [f"{path}: not UTF-8; read as {encoding}"]
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: cannot decode as text")  # unreachable: latin-1 decodes anything


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\0" in head:
        return True
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return control > len(head) * 0.05
