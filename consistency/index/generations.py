"""Copy-on-write folders for an embedded store, so that no crash can tear it.

Chroma (1.5) rewrites a collection's HNSW files in place every thousand
writes (vectors and header first, links and id map after) and then drops
the part of its log those files now hold. A process killed between those
file writes leaves files that disagree with each other, with nothing to
rebuild them from: every later read of the collection fails ("Failed to
apply logs to the hnsw segment writer") and its vectors are lost. SQLite's
journal protects the records, never the vectors.

So a writer never writes into the folder readers use. It copies that folder
(SQLite through its backup API; the HNSW files as they are: the store's
lock excludes other writers, a reader folds Chroma's short log into memory
only, and what else a reader writes changes nothing: the files of a
still-empty index, which Chroma creates again whenever it opens one), writes
into the copy, makes it durable, and names it in one atomic replace of a
small pointer file, `live`.
A crash before that replace leaves the old folder live and untouched; after
it, the new one is whole. Each open store pins the folder it reads with a
shared lock, and a writer removes an old folder only when nothing pins it.

A store made before this has no pointer: its folder, `chroma`, is live
until the first write names a copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from typing import IO

LEGACY = "chroma"
POINTER = "live"
DATABASE = "chroma.sqlite3"
_PREFIX = "chroma-"
_PIN = ".pin"


class Generations:
    """The folders of one embedded store under `root`."""

    def __init__(self, root: Path):
        self.root = root

    def live(self) -> str:
        """The name of the folder readers use."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return LEGACY
        return name or LEGACY

    def live_folder(self) -> Path:
        return self.root / self.live()

    def stamp(self) -> tuple[int, int] | None:
        """Changes whenever a writer names another folder (a stat, no read)."""
        try:
            info = os.stat(self.root / POINTER)
        except FileNotFoundError:
            return None
        return info.st_ino, info.st_mtime_ns

    def pin_live(self) -> tuple[str, IO[str]]:
        """The live folder's name, pinned (shared lock) until the handle is
        closed. A writer may name another folder and remove this one
        between reading the pointer and taking the lock: then try again."""
        while True:
            name = self.live()
            pin = self.pin(name)
            if name == self.live() or (self.root / name).is_dir():
                return name, pin
            pin.close()

    def pin(self, name: str) -> IO[str]:
        handle = open(self.root / f"{name}{_PIN}", "a+", encoding="utf-8")  # noqa: SIM115 (held open: it is the pin)
        fcntl.flock(handle, fcntl.LOCK_SH)
        return handle

    def copy(self, name: str) -> str:
        """A new folder holding what `name` holds; returns its name."""
        draft = f"{_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        source, target = self.root / name, self.root / draft
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(f"{DATABASE}*"))
        else:
            target.mkdir()
        if (source / DATABASE).is_file():
            old = sqlite3.connect(f"file:{source / DATABASE}?mode=ro", uri=True)
            new = sqlite3.connect(target / DATABASE)
            with contextlib.closing(old), contextlib.closing(new):
                old.backup(new)
        return draft

    def publish(self, name: str) -> None:
        """Makes folder `name` durable, then live: the one atomic step."""
        _sync_tree(self.root / name)
        pointer = self.root / f"{POINTER}.{uuid.uuid4().hex[:8]}"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / POINTER)
        _sync_folder(self.root)

    def discard(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)
        (self.root / f"{name}{_PIN}").unlink(missing_ok=True)

    def sweep(self) -> list[str]:
        """Removes every folder that is not live and that no open store
        pins: the ones writers replaced, and copies a crash left unnamed.
        Only a writer may call it (it holds the store's write lock)."""
        live = self.live()
        for unnamed in self.root.glob(f"{POINTER}.*"):  # a pointer a crash left half-written
            unnamed.unlink(missing_ok=True)
        names = {path.name.removesuffix(_PIN) for path in self.root.iterdir()}
        stale = sorted(n for n in names if n != live and (n == LEGACY or n.startswith(_PREFIX)))
        return [name for name in stale if self._remove_unpinned(name)]

    def _remove_unpinned(self, name: str) -> bool:
        pin_path = self.root / f"{name}{_PIN}"
        with open(pin_path, "a+", encoding="utf-8") as pin:
            try:
                fcntl.flock(pin, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a reader still has it open
            shutil.rmtree(self.root / name, ignore_errors=True)
            pin_path.unlink(missing_ok=True)
        return True

    def unpin(self, pin: IO[str] | None) -> None:
        if pin is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(pin, fcntl.LOCK_UN)
            pin.close()


def live_folder(root: Path) -> Path:
    """The folder of Chroma's files that readers of the store at `root` use."""
    return Generations(root).live_folder()


def _sync_tree(folder: Path) -> None:
    for directory, _, files in os.walk(folder):
        for name in files:
            descriptor = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        _sync_folder(Path(directory))


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
