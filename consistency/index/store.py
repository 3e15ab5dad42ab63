"""Chroma, through llama-index's ChromaVectorStore: passages with their
vectors, and the full text of every source (so citations can be verified).

Embedded (PersistentClient in a folder) or a Chroma server (HttpClient).

An embedded store is written copy-on-write (generations.py): a writer
writes into a copy of the folder readers use and names it live in one
atomic step, so a process killed at any moment leaves the store as it was
before the write or after it, and a read sees one state from start to end
(`reading`). Chroma on its own cannot promise that: it rewrites its HNSW
files in place, and a kill in the middle loses the collection's vectors.

A Chroma server keeps its own files, so for it an update is made
all-or-nothing as readers see it by its order and a journal (an embedded
store keeps the journal too: a writer interrupted by Ctrl-C still makes
what it wrote live). Passage ids carry their file version
(`source@<hash12>:n`), claims record it, and the source record, whose
content hash ingest trusts, is written after both: until then readers see
the old version, after it the new one. A journal entry names the files an
update touches from its first write to its last; while one stands (an
update under way, or one a crash cut short), or when one ran during a read
(the revision changed), readers keep only passages and claims of the
version each source record names, and the next writer first removes what
the interrupted one left (`finish_interrupted`). Several ingest workers may
write to one server at once (`ingest --shard K/N`: disjoint files): each
keeps its own journal entry, stamped at every batch, and a worker clears
another's only once it is too old to belong to a live writer.

Damage that no crash of ours leaves is checked too. Chroma keeps vectors in
HNSW files beside its SQLite records; when those files are lost it rebuilds
the index from the few writes it had not yet folded into them, and searches
then miss everything else without a word. So the first search of a Store
reads a sample of vectors, `status` does the same, and `verify` reads them
all and names the sources whose vectors are gone (`--repair` reads their
files again). Bytes scribbled into chroma.sqlite3 break pages Chroma reads
only when it needs them; `status` and `verify` run SQLite's own check of
every page, and any read of a damaged page becomes a one-line StoreError.

Passages are written through ChromaVectorStore, so any llama-index
component can read the collection (the eval baseline does). Questions read
the collection directly: importing llama-index costs 1.7 s, which a
one-shot `consistency ask` should not pay.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import shutil
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from ..config import cache_dir
from ..errors import StoreError
from ..models import Filters, Mention, Passage, Source, SourceInfo, StatedClaim, StoreProblem
from ..text.dates import date_bounds
from .generations import DATABASE, LEGACY, Generations
from .lexical import LexicalIndex

CLAIMS = "consistency_claims"
PASSAGES = "consistency_passages"
SOURCES = "consistency_sources"
META = "consistency_meta"
_COSINE = {"hnsw:space": "cosine"}
_BATCH = 1000
_PLACEHOLDER_VECTOR = [1.0, 0.0]
_PENDING = "pending"  # the journal's id in the meta collection (a server's writers: "pending:<writer>")
# A server's writer rewrites its journal entry at every batch, which takes
# seconds; an entry this old belongs to a writer that died.
WRITER_LEASE_SECONDS = 600.0
_PAGE = 5000  # records read at a time
# Vectors read before the first search: the oldest records (a lost HNSW file
# takes those with it) and the newest.
_SAMPLE = 8
CHECKPOINT_SECONDS = 120.0
_T = TypeVar("_T")
_NOTHING: dict = {"ids": [], "metadatas": []}
_LEXICAL = "lexical-"  # + the revision: a saved lexical index, in the folder it describes

log = logging.getLogger(__name__)


@dataclass
class StoreBatch:
    """What a batch of files holds, written together."""

    sources: list[Source]
    passages: list[Passage]
    claims: list[StatedClaim]


@contextlib.contextmanager
def _store_errors(action: str, location: str, database: Path | None = None) -> Iterator[None]:
    """Chroma and SQLite errors become one line that says what failed (and,
    for an embedded store whose `database` file is damaged, that it is)."""
    try:
        yield
    except (StoreError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    # chromadb raises many types, sqlite3 others, and its Rust core a
    # PanicException (a BaseException) on a damaged file.
    except BaseException as error:
        raise StoreError(f"cannot {action} the store at {location}: {_explain(error, database)}") from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _explain(error: BaseException, database: Path | None) -> str:
    """Chroma's message, with what it means for this store when we know.
    Chroma words a damaged page many ways ("Failed to pull logs from the
    log store", a panic), so SQLite's own check of the file has the last word."""
    message = _first_line(error)
    lowered = message.lower()
    if "locked" in lowered:
        return "the store is locked by another process; try again when it has finished"
    damage = _database_damage(database) if database else None
    if damage or _is_damage(message):
        return f"its database file (chroma.sqlite3) is damaged ({damage or message}); {_UNREPAIRABLE}"
    if "finding id" in lowered:  # SQLite holds records whose vectors the HNSW files lack
        return f"its vector index has lost records ({message}); {_REPAIR}"
    return message


_REPAIR = "run `consistency verify --repair`, which reads the files of the sources concerned again"
_UNREPAIRABLE = "no repair can mend it: restore a copy, or ingest the files into a new store"


def _lock(handle: IO[str], location: str, wait: float | None, on_wait: Callable[[str], None] | None) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    if on_wait:
        on_wait(f"another process is writing to the store at {location}; waiting for it to finish")
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if deadline is not None and time.monotonic() >= deadline:
                raise StoreError(
                    f"another process is still writing to the store at {location} after {wait:g} s; try again later"
                ) from None
            time.sleep(0.2)


def _one_folder(method: Callable[..., _T]) -> Callable[..., _T]:
    """A public read sees one folder from its start to its end."""

    @functools.wraps(method)
    def read(self: Store, *args: Any, **kwargs: Any) -> _T:
        with self.reading():
            return method(self, *args, **kwargs)

    return read


def _connect(folder: Path | None, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        client = chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=settings,
        )
        client.heartbeat()
        return client
    return chromadb.PersistentClient(path=str(folder), settings=settings)


def file_id(source_id: str) -> str:
    return source_id.split("#", 1)[0]


@dataclass
class _Folder:
    """One open Chroma client with the store's four collections: of the
    live folder, of a writer's draft, or (a server) of a replaced one."""

    client: Any
    passages: Any
    sources: Any
    claims: Any
    meta: Any
    database: Path | None = None
    name: str | None = None
    pin: IO[str] | None = None
    started: float = field(default_factory=time.monotonic)
    readers: int = 0  # reads under way in it (Store.reading)


class Store:
    def __init__(self, path: Path, chroma_url: str | None = None):
        self.location = chroma_url or str(path)
        self.backend = "http" if chroma_url else "persistent"
        self._path = None if chroma_url else Path(path)
        self._generations = Generations(self._path) if self._path else None
        self._index_checked = False
        self._draft: _Folder | None = None
        self._writers: set[int] = set()  # the thread inside writing(), and one it lends the write to
        # An embedded store has one writer at a time (its lock); a server may
        # have several ingest workers, each with its own journal entry.
        self._journal_id = f"{_PENDING}:{uuid.uuid4().hex[:12]}" if chroma_url else _PENDING
        self._retired: list[_Folder] = []
        self._switch = threading.RLock()
        self._local = threading.local()
        if self._generations is None:
            self._live = self._open(None, chroma_url)
        else:
            self._prepare_root()
            self._stamp = self._generations.stamp()
            with _store_errors("open", self.location):
                name, pin = self._generations.pin_live()
            self._live = self._open(name, None, pin)

    def _prepare_root(self) -> None:
        assert self._path is not None
        if self._path.exists() and not self._path.is_dir():
            raise StoreError(f"cannot open the store at {self._path}: it is a file, not a folder")
        with _store_errors("open", self.location):
            self._path.mkdir(parents=True, exist_ok=True)

    def _open(self, name: str | None, chroma_url: str | None, pin: IO[str] | None = None) -> _Folder:
        folder = self._path / name if self._path and name else None
        database = folder / DATABASE if folder else None
        try:
            with _store_errors("open", self.location, database):
                client = _connect(folder, chroma_url)
                return _Folder(
                    client=client,
                    passages=client.get_or_create_collection(PASSAGES, metadata=_COSINE, embedding_function=None),
                    sources=client.get_or_create_collection(SOURCES, embedding_function=None),
                    claims=client.get_or_create_collection(CLAIMS, metadata=_COSINE, embedding_function=None),
                    meta=client.get_or_create_collection(META, embedding_function=None),
                    database=database,
                    name=name,
                    pin=pin,
                )
        except BaseException:
            if self._generations:
                self._generations.unpin(pin)
            raise

    def close(self) -> None:
        """Releases the Chroma clients: chromadb caches every client's system
        (SQLite handles, ~12 MB) process-wide until it is closed, so a
        process that opens many stores (the RAMDocs eval) must close them."""
        for folder in [self._live, *self._retired, *([self._draft] if self._draft else [])]:
            self._close(folder)
        self._retired, self._draft = [], None

    def _close(self, folder: _Folder) -> None:
        try:
            folder.client.close()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # closing twice, a server client without close(), a Rust panic on a damaged file
            pass
        if self._generations:
            self._generations.unpin(folder.pin)
            folder.pin = None

    # ---- which folder ----------------------------------------------------

    def _folder(self) -> _Folder:
        """The folder this thread reads and writes: the writer's draft once
        it has written, else the one its read began with, else the live
        one, which a long-lived store (a server's) follows to the folder a
        writer in another process named last."""
        if self._draft is not None and self._is_writer():
            return self._draft
        held = getattr(self._local, "folder", None)
        if held is not None:
            return held
        self._follow()
        return self._live

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Everything read inside comes from one folder, the one live when
        it began (a snapshot: a writer may name another meanwhile). Answer
        a question inside one, so that passages and the texts they cite
        agree. Reentrant; no-op for a Chroma server."""
        if getattr(self._local, "folder", None) is not None or self._generations is None:
            yield
            return
        with self._switch:
            folder = self._folder()
            folder.readers += 1
        self._local.folder = folder
        try:
            yield
        finally:
            self._local.folder = None
            with self._switch:
                folder.readers -= 1

    def _follow(self) -> None:
        if self._generations is None or self._generations.stamp() == self._stamp:
            return
        with self._switch:
            stamp = self._generations.stamp()
            if stamp == self._stamp or self._is_writer():
                return
            with _store_errors("open", self.location):
                name, pin = self._generations.pin_live()
            self._replace_live(self._open(name, None, pin))
            self._stamp = stamp

    def _replace_live(self, folder: _Folder) -> None:
        """Callers hold self._switch. A folder replaced while a read holds
        it is closed (and unpinned) at a later replacement, once no read
        holds it."""
        retired = [*self._retired, self._live]
        for old in retired:
            if old.readers == 0:
                self._close(old)
        self._retired = [old for old in retired if old.readers > 0]
        self._live = folder
        self._index_checked = False

    @property
    def _passages(self):
        return self._folder().passages

    @property
    def _sources(self):
        return self._folder().sources

    @property
    def _claims(self):
        return self._folder().claims

    @property
    def _meta(self):
        return self._folder().meta

    @property
    def _database(self) -> Path | None:
        return self._folder().database

    @property
    def vectors(self):
        """The passages collection as a llama-index vector store."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._passages)

    # ---- reading -------------------------------------------------------

    def _marks(self) -> tuple[bool, str]:
        """Whether an update stands, and the revision (every commit changes
        it): read before and after a read, they tell whether an update ran
        during it."""
        journal, revision = self._journal_and_revision()
        return bool(journal), revision

    def _journal_and_revision(self) -> tuple[dict[str, tuple[list[str], float]], str]:
        """Each journal entry's files and when it was written, and the
        revision: the meta collection holds only these, so one read."""
        with _store_errors("read", self.location, self._database):
            got = self._meta.get(include=["documents", "metadatas"])
        journal: dict[str, tuple[list[str], float]] = {}
        revision = "empty"
        for entry, document, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            if entry == "revision":
                revision = document
            elif entry == _PENDING or entry.startswith(f"{_PENDING}:"):
                journal[entry] = (json.loads(document), float((meta or {}).get("time", 0.0)))
        return journal, revision

    def _committed_since(self, before: tuple[bool, str]) -> dict[str, str] | None:
        """The version each source's passages and claims must carry to be
        seen by a read that began at `before`: None (everything) when no
        update stood at either end and none ran between; else each source's
        version as its record stands now. A read takes several Chroma calls,
        and one that straddles an update's commit could hold passages of
        both versions of a file; checked against one set of source records,
        it shows one version of each source (perhaps missing passages an
        update wrote meanwhile), never two."""
        after = self._marks()
        if after == before and not after[0]:
            return None
        with _store_errors("read", self.location, self._database):
            got = self._sources.get(include=["metadatas"])
        return _versions(got)

    @_one_folder
    def pending_paths(self) -> list[str]:
        """The files of updates not yet finished (under way, or cut short)."""
        journal, _ = self._journal_and_revision()
        return sorted({path for paths, _ in journal.values() for path in paths})

    @_one_folder
    def revision(self) -> str:
        """Changes whenever passages change; keys caches of the store."""
        with _store_errors("read", self.location, self._database):
            got = self._meta.get(ids=["revision"], include=["documents"])
        return got["documents"][0] if got["ids"] else "empty"

    @_one_folder
    def counts(self) -> tuple[int, int]:
        with _store_errors("read", self.location, self._database):
            return self._sources.count(), self._passages.count()

    @_one_folder
    def source_infos(self) -> list[SourceInfo]:
        with _store_errors("read", self.location, self._database):
            got = self._sources.get(include=["metadatas"])
        infos = [
            SourceInfo(
                id=source_id,
                title=meta.get("title", ""),
                outlet=meta.get("outlet") or None,
                published=meta.get("published") or None,
                path=meta.get("path", ""),
                chunks=int(meta.get("chunks", 0)),
                claims=int(meta["claims"]) if "claims" in meta else None,
            )
            for source_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(infos, key=lambda info: _natural_key(info.id))

    @_one_folder
    def ingested_files(self) -> dict[str, dict[str, str]]:
        """{path: {source id: content hash}} of everything stored."""
        with _store_errors("read", self.location, self._database):
            got = self._sources.get(include=["metadatas"])
        files: dict[str, dict[str, str]] = {}
        for source_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            files.setdefault(meta.get("path", ""), {})[source_id] = meta.get("content_hash", "")
        return files

    @_one_folder
    def sources(self, ids: list[str]) -> dict[str, Source]:
        if not ids:
            return {}
        with _store_errors("read", self.location, self._database):
            got = self._sources.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])
        return {
            source_id: Source(
                id=source_id,
                title=meta.get("title", ""),
                outlet=meta.get("outlet") or None,
                published=meta.get("published") or None,
                path=meta.get("path", ""),
                text=text,
                content_hash=meta.get("content_hash", ""),
            )
            for source_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    @_one_folder
    def all_passages(self) -> list[Passage]:
        """Every passage (text and span, no vectors), for the lexical index."""
        return [passage for page in self.passage_pages() for passage in page]

    def passage_pages(self) -> Iterator[list[Passage]]:
        """Every passage, a page at a time, so that a pass over a large store
        holds one page (the audit). Each page shows one version of each
        source; call inside `reading()` for one folder from start to end."""
        for got, committed in self._pages(self._passages, ["documents", "metadatas"]):
            yield [
                passage
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                if _seen(committed, (passage := passage_from_metadata(i, d, m)).source_id, passage_version(i))
            ]

    def _pages(self, collection, include: list[str]) -> Iterator[tuple[dict, dict[str, str] | None]]:
        """A collection's records a page at a time, each page with the
        versions its records must carry to be seen (`_committed_since`)."""
        with _store_errors("read", self.location, self._database):
            for offset in range(0, collection.count(), _PAGE):
                before = self._marks()
                got = collection.get(include=include, limit=_PAGE, offset=offset)
                yield got, self._committed_since(before)

    @_one_folder
    def passage_ids(self, filters: Filters) -> set[str]:
        """Ids of the passages that `filters` admit."""
        before = self._marks()
        with _store_errors("read", self.location, self._database):
            got = self._passages.get(where=where_clause(filters), include=["metadatas"])
        committed = self._committed_since(before)
        return {
            i
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
            if _seen(committed, m["source_id"], passage_version(i))
        }

    @_one_folder
    def nearest(self, embedding: np.ndarray, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k passages most similar to `embedding`; `score` is the cosine."""
        where = where_clause(filters) if filters else None
        self._require_index()
        with _store_errors("query", self.location, self._database):
            if self._passages.count() == 0:
                return []
            before = self._marks()
            got = self._passages.query(
                query_embeddings=[embedding.tolist()],
                # While an update is pending some hits may be its own, unseen.
                n_results=2 * k if before[0] else k,
                include=["documents", "metadatas", "distances"],
                **({"where": where} if where else {}),
            )
        committed = self._committed_since(before)
        passages = []
        for passage_id, text, meta, distance in zip(
            got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=False
        ):
            if not _seen(committed, meta["source_id"], passage_version(passage_id)):
                continue  # written by an update not yet committed
            passage = passage_from_metadata(passage_id, text, meta)
            passage.score = 1.0 - distance  # cosine distance
            passages.append(passage)
        return passages[:k]

    @_one_folder
    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        self._require_index()
        with _store_errors("read", self.location, self._database):
            got = self._passages.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    # ---- checking ------------------------------------------------------

    @_one_folder
    def interrupted(self) -> StoreProblem | None:
        """The cheap checks `status` runs: an update cut short (or under way),
        then a sample of the vector index. Raises StoreError when the
        database file itself is damaged: no repair mends that."""
        self._check_database()
        return self._pending_problem() or self._index_problem(_SAMPLE)

    def _pending_problem(self) -> StoreProblem | None:
        paths = self.pending_paths()
        if not paths:
            return None
        return StoreProblem(
            problem=f"an update of {len(paths)} file(s) was cut short or is under way; "
            "the next ingest (or verify --repair) finishes it"
        )

    @_one_folder
    def verify(self) -> list[StoreProblem]:
        """Every source's passages and claims against its stored text and
        version, offsets and counts, records whose source is gone, the
        vectors of every record, and a search of the vector index. Raises
        StoreError when the database file is damaged."""
        self._check_database()
        problems = [p for p in [self._pending_problem()] if p]
        with _store_errors("read", self.location, self._database):
            got = self._sources.get(include=["documents", "metadatas"])
            sources = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
            passages = self._passages.get(include=["documents", "metadatas"])
            claims = self._claims.get(include=["metadatas"])
        pending = bool(problems)
        counted: dict[str, int] = {}
        for passage_id, text, meta in zip(passages["ids"], passages["documents"], passages["metadatas"], strict=True):
            source_id = meta["source_id"]
            if source_id not in sources:
                if not pending:
                    problems.append(
                        StoreProblem(
                            source=source_id,
                            path=meta.get("path"),
                            problem=f"passage {passage_id} has no source record",
                        )
                    )
                continue
            body, source_meta = sources[source_id]
            if passage_version(passage_id) != version_of(source_meta.get("content_hash", "")):
                if not pending:
                    problems.append(
                        _problem(source_id, source_meta, f"passage {passage_id} is of another version of the file")
                    )
                continue
            counted[source_id] = counted.get(source_id, 0) + 1
            if body[int(meta["start"]) : int(meta["end"])] != text:
                problems.append(
                    _problem(source_id, source_meta, f"passage {passage_id} does not match the text at its offsets")
                )
        for source_id, (_, meta) in sources.items():
            if counted.get(source_id, 0) != int(meta.get("chunks", 0)):
                problems.append(
                    _problem(
                        source_id,
                        meta,
                        f"{counted.get(source_id, 0)} passages stored where {meta.get('chunks', 0)} belong",
                    )
                )
        for claim_id, meta in zip(claims["ids"], claims["metadatas"], strict=True):
            source_id = meta["source_id"]
            if source_id not in sources:
                if not pending:
                    problems.append(
                        StoreProblem(
                            source=source_id, path=meta.get("path"), problem=f"claim {claim_id} has no source record"
                        )
                    )
                continue
            body, source_meta = sources[source_id]
            version = _claim_meta_version(claim_id, meta)
            if version is not None and version != version_of(source_meta.get("content_hash", "")):
                if not pending:
                    problems.append(
                        _problem(source_id, source_meta, f"claim {claim_id} is of another version of the file")
                    )
                continue
            claim = _claim(meta)
            if body[claim.start : claim.end] != claim.sentence:
                problems.append(
                    _problem(source_id, source_meta, f"claim {claim_id} does not match the text at its offsets")
                )
        lost = self._vector_problems(sources)
        return problems + (lost or self._search_problems(passages["ids"][:1]))

    def _search_problems(self, sample: list[str]) -> list[StoreProblem]:
        """Can the vector index be searched? (Its files may be missing while
        the SQLite records stand.)"""
        if not sample:
            return []
        try:
            vector = self._passages.get(ids=sample, include=["embeddings"])["embeddings"][0]
            self._passages.query(query_embeddings=[list(vector)], n_results=min(10, self._passages.count()), include=[])
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # chromadb raises many types, its Rust core a PanicException
            return [StoreProblem(problem=f"the vector index cannot be searched: {_first_line(error)}")]
        return []

    def _require_index(self) -> None:
        """Before the first search: are the vectors there? Without this a
        store whose HNSW files were lost answers from the few records Chroma
        could rebuild, as if the rest did not exist. A sample, once per Store
        (a few milliseconds)."""
        if self._index_checked:
            return
        problem = self._index_problem(_SAMPLE)
        if problem is not None:
            raise StoreError(f"cannot search the store at {self.location}: {problem.problem}; {_REPAIR}")
        self._index_checked = True

    def _index_problem(self, sample: int | None) -> StoreProblem | None:
        """Can the vectors of the searched collections be read? `sample`:
        that many of the oldest and of the newest records; None: all."""
        for name, collection in (("passages", self._passages), ("claims", self._claims)):
            lost = self._unreadable_vectors(collection, sample)
            if lost:
                return StoreProblem(problem=f"the vector index has lost the vectors of {name} ({lost})")
        return None

    def _unreadable_vectors(self, collection, sample: int | None, where: dict | None = None) -> str | None:
        """Chroma's message when some vectors cannot be read, else None.
        `sample`: that many of the oldest and of the newest records; None:
        every record (that `where` admits)."""
        with _store_errors("read", self.location, self._database):
            if sample:
                newest = max(0, collection.count() - sample)
                ids = collection.get(limit=sample, include=[])["ids"]
                ids += collection.get(limit=sample, offset=newest, include=[])["ids"]
            else:
                ids = collection.get(where=where, include=[])["ids"]
        ids = list(dict.fromkeys(ids))
        for begin in range(0, len(ids), _PAGE):
            try:
                collection.get(ids=ids[begin : begin + _PAGE], include=["embeddings"])
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # "Error finding id", or a Rust panic
                return _first_line(error)
        return None

    def _vector_problems(self, sources: dict[str, tuple[str, dict]]) -> list[StoreProblem]:
        """Each source whose passages' or claims' vectors are gone from the
        index (searches cannot find them); repair reads its file again."""
        whole = self._index_problem(sample=None)
        if whole is None:
            return []
        problems = []
        for source_id, (_, meta) in sources.items():
            where = {"source_id": source_id}
            lost = " and ".join(
                name
                for name, collection in (("passages", self._passages), ("claims", self._claims))
                if self._unreadable_vectors(collection, None, where)
            )
            if lost:
                problem = f"the vector index has lost the vectors of its {lost}; --repair reads its file again"
                problems.append(_problem(source_id, meta, problem))
        return problems or [whole]

    def _check_database(self) -> None:
        """Raises when chroma.sqlite3 is damaged: nothing can repair it."""
        damage = _database_damage(self._database) if self._database else None
        if damage:
            raise StoreError(
                f"cannot read the store at {self.location}: its database file (chroma.sqlite3) is damaged "
                f"({damage}); {_UNREPAIRABLE}"
            )

    def remove_sources(self, source_ids: list[str], paths: list[str]) -> None:
        """Removes these sources and everything stored of the files at `paths`."""
        clauses = [{field: {"$in": values}} for field, values in (("source_id", source_ids), ("path", paths)) if values]
        if not clauses:
            return
        where = clauses[0] if len(clauses) == 1 else {"$or": clauses}
        self._write_into()
        with _store_errors("write", self.location, self._database):
            for collection in (self._passages, self._claims):
                ids = collection.get(where=where, include=[])["ids"]
                for begin in range(0, len(ids), _BATCH):
                    collection.delete(ids=ids[begin : begin + _BATCH])
            by_path = self._sources.get(where={"path": {"$in": paths}}, include=[])["ids"] if paths else []
            gone = sorted(set(source_ids) | set(by_path))
            if gone:
                self._sources.delete(ids=gone)
            self._bump_revision()

    # ---- writing -------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, wait: float | None = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Holds the store's write lock: one writer at a time across
        processes (readers are not held up). An embedded store locks a file
        beside its data, and writes into a copy of its folder that becomes
        live when the writing ends (see generations.py); a Chroma server
        orders and keeps writes itself. `wait`: how many seconds to wait for
        another writer (None: as long as it takes); `on_wait` hears once
        that this one is waiting. An error other than an interruption
        discards what was written since the last checkpoint."""
        if self._generations is None:
            yield
            return
        assert self._path is not None
        with open(self._path / "write.lock", "a+") as handle:
            _lock(handle, self.location, wait, on_wait)
            self._follow()
            self._writers = {threading.get_ident()}
            try:
                with _store_errors("write", self.location):
                    self._generations.sweep()
                try:
                    yield
                except (KeyboardInterrupt, SystemExit):
                    # What was written is whole (Python stops between Chroma's
                    # calls); its lexical index is left for readers to build.
                    self._publish(save_lexical=False)
                    raise
                except BaseException:
                    self._discard()
                    raise
                self._publish()
            finally:
                self._writers = set()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _is_writer(self) -> bool:
        return threading.get_ident() in self._writers

    @contextlib.contextmanager
    def lent_to_this_thread(self) -> Iterator[None]:
        """This thread writes for the one inside writing(), which waits for
        it before it leaves (ingest writes a batch on a thread of its own
        while it embeds the next). A Chroma server needs no lending."""
        if self._generations is None or self._is_writer():
            yield
            return
        if not self._writers:
            raise RuntimeError("only a writer inside Store.writing() can lend it")
        self._writers = self._writers | {threading.get_ident()}
        try:
            yield
        finally:
            self._writers = self._writers - {threading.get_ident()}

    def _write_into(self) -> None:
        """Before a write: the draft folder, copied from the live one the
        first time (a writer that finds nothing to change copies nothing)."""
        if self._generations is None or self._draft is not None:
            return
        if not self._is_writer():
            raise RuntimeError("an embedded store is written only inside Store.writing()")
        with _store_errors("write", self.location, self._live.database):
            name = self._generations.copy(self._live.name or LEGACY)
        self._draft = self._open(name, None, self._generations.pin(name))

    def _checkpoint(self) -> None:
        """A long ingest makes what it wrote live every few minutes, so a
        crash costs at most that much work."""
        if self._draft is not None and time.monotonic() - self._draft.started > CHECKPOINT_SECONDS:
            self._publish()

    def _publish(self, save_lexical: bool = True) -> None:
        if self._draft is None or self._generations is None or self._draft.name is None:
            return
        if save_lexical:
            self._save_lexical()
        draft, self._draft = self._draft, None
        name = draft.name
        assert name is not None
        with _store_errors("write", self.location, draft.database):
            self._generations.publish(name)
        self._stamp = self._generations.stamp()
        with self._switch:
            self._replace_live(draft)
        with _store_errors("write", self.location):
            self._generations.sweep()

    def _save_lexical(self) -> None:
        """The draft's lexical index, saved in the draft under its revision
        (any copied from the folder before it describes an older state)."""
        assert self._draft is not None and self._draft.database is not None
        folder = self._draft.database.parent
        for old in folder.glob(f"{_LEXICAL}*"):
            shutil.rmtree(old, ignore_errors=True)
        index = LexicalIndex(self.all_passages())
        with _store_errors("write", self.location, self._draft.database):
            index.save(folder / f"{_LEXICAL}{self.revision()}")

    @_one_folder
    def saved_lexical(self, revision: str) -> LexicalIndex | None:
        """The lexical index saved for this state of the store: by its writer,
        in the folder it describes, or, for a Chroma server, by a reader in
        the local cache (`keep_lexical`). None when there is none (a store
        written before, an interrupted writer, a damaged copy): then the
        caller builds it."""
        database = self._folder().database
        folder = database.parent / f"{_LEXICAL}{revision}" if database else self._cached_lexical(revision)
        if folder is None:
            return None
        try:
            return LexicalIndex.load(folder)
        except (OSError, ValueError, KeyError):
            return None

    def keep_lexical(self, revision: str, index: LexicalIndex) -> None:
        """Keeps the index a reader of a Chroma server built, in the local
        cache under the server's state, so that the next process on this
        machine loads it instead of reading every passage over the network;
        another state (after any ingest, by any worker) is built again. An
        embedded store's writer saves its own: nothing to do."""
        target = self._cached_lexical(revision)
        if target is None or target.exists():
            return
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
        try:
            index.save(partial)
            partial.rename(target)  # whole or not at all; a racing reader's copy may win
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            return
        for older in target.parent.glob(f"{target.name.rsplit('-', 1)[0]}-*"):
            if older != target:
                shutil.rmtree(older, ignore_errors=True)

    def _cached_lexical(self, revision: str) -> Path | None:
        if self.backend != "http":
            return None
        server = hashlib.sha256(self.location.encode()).hexdigest()[:16]
        return cache_dir() / "lexical" / f"{server}-{revision}"

    def _discard(self) -> None:
        draft, self._draft = self._draft, None
        if draft is None or self._generations is None or draft.name is None:
            return
        self._close(draft)
        self._generations.discard(draft.name)

    def replace_files(
        self,
        paths: list[str],
        batch: StoreBatch,
        passage_vectors: np.ndarray,
        claim_vectors: np.ndarray,
    ) -> None:
        """Make the store hold exactly the batch's sources, passages and
        claims for the files at `paths` (one round of writes for many files)."""
        from llama_index.core.schema import TextNode

        sources, passages, claims = batch.sources, batch.passages, batch.claims
        path_of = {s.id: s.path for s in sources}
        chunks = {s.id: 0 for s in sources}
        for passage in passages:
            chunks[passage.source_id] += 1
        nodes = [
            TextNode(
                id_=passage.id,
                text=passage.text,
                embedding=vector.tolist(),
                metadata=_passage_metadata(passage, path_of[passage.source_id]),
                excluded_embed_metadata_keys=_BOOKKEEPING,
                excluded_llm_metadata_keys=_BOOKKEEPING,
            )
            for passage, vector in zip(passages, passage_vectors, strict=True)
        ]
        self._write_into()
        with _store_errors("write", self.location, self._database):
            self._journal(paths)
            old_sources = self._sources.get(where={"path": {"$in": paths}}, include=[])["ids"] if paths else []
            # Ids carry the file's version: one stored already is this same
            # version, written by an earlier run, and identical, unless the
            # file has moved since (then it takes the new path).
            path_now = {n.node_id: n.metadata["path"] for n in nodes}
            got = self._passages.get(ids=list(path_now), include=["metadatas"]) if nodes else _NOTHING
            stored = {i for i, m in zip(got["ids"], got["metadatas"], strict=True) if m["path"] == path_now[i]}
            moved = [i for i in got["ids"] if i not in stored]
            if moved:
                self._passages.delete(ids=moved)
            fresh = [n for n in nodes if n.node_id not in stored]
            for begin in range(0, len(fresh), _BATCH):
                self.vectors.add(fresh[begin : begin + _BATCH])
            self._write_claims(claims, claim_vectors, path_of, {s.id: version_of(s.content_hash) for s in sources})
            claimed = Counter(c.source_id for c in claims)
            if sources:  # the commit: from here on readers see the new version
                self._sources.upsert(
                    ids=[s.id for s in sources],
                    documents=[s.text for s in sources],
                    # Sources are fetched by id, never searched by vector:
                    # a placeholder saves embedding every title.
                    embeddings=[_PLACEHOLDER_VECTOR] * len(sources),
                    metadatas=[_source_metadata(s, chunks[s.id], claimed.get(s.id, 0)) for s in sources],
                )
            gone = [source_id for source_id in old_sources if source_id not in chunks]
            if gone:
                self._sources.delete(ids=gone)
            self._bump_revision()
            self._delete_stale(paths, keep_passages={p.id for p in passages}, keep_claims={c.id for c in claims})
            self._meta.delete(ids=[self._journal_id])
            self._bump_revision()
        self._checkpoint()

    def finish_interrupted(self) -> list[str]:
        """Removes what an update cut short left behind (passages and claims
        of a version no source record names) and closes its journal; returns
        the files it touched, which the next ingest reads again if changed.
        Only a writer may call it (ingest holds the store's write lock). A
        server's other workers' entries are theirs while they are fresh:
        only one older than WRITER_LEASE_SECONDS is a dead writer's."""
        journal, _ = self._journal_and_revision()
        now = time.time()
        abandoned = [
            entry
            for entry, (_, written) in journal.items()
            if self.backend != "http" or entry in (_PENDING, self._journal_id) or now - written > WRITER_LEASE_SECONDS
        ]
        paths = sorted({path for entry in abandoned for path in journal[entry][0]})
        if not abandoned:
            return []
        self._write_into()
        with _store_errors("write", self.location, self._database):
            got = self._sources.get(where={"path": {"$in": paths}}, include=["metadatas"]) if paths else _NOTHING
            versions = {
                i: version_of(m.get("content_hash", "")) for i, m in zip(got["ids"], got["metadatas"], strict=True)
            }
            for collection, version in ((self._passages, _passage_meta_version), (self._claims, _claim_meta_version)):
                found = collection.get(where={"path": {"$in": paths}}, include=["metadatas"]) if paths else _NOTHING
                stale = [
                    i
                    for i, m in zip(found["ids"], found["metadatas"], strict=True)
                    if not _seen(versions, m["source_id"], version(i, m))
                ]
                for begin in range(0, len(stale), _BATCH):
                    collection.delete(ids=stale[begin : begin + _BATCH])
            self._meta.delete(ids=abandoned)
            self._bump_revision()
        return paths

    def _journal(self, paths: list[str]) -> None:
        """Names the files an update touches, before its first write (with
        those of this writer's earlier unfinished one, which this update
        must not hide), and when: a server's workers tell a dead writer's
        entry by its age."""
        journal, _ = self._journal_and_revision()
        touched = sorted(set(journal.get(self._journal_id, ([], 0.0))[0]) | set(paths))
        self._meta.upsert(
            ids=[self._journal_id],
            documents=[json.dumps(touched)],
            embeddings=[[0.0]],
            metadatas=[{"time": time.time()}],
        )

    def _write_claims(
        self, claims: list[StatedClaim], vectors: np.ndarray, path_of: dict[str, str], versions: dict[str, str]
    ) -> None:
        for begin in range(0, len(claims), _BATCH):
            chunk = claims[begin : begin + _BATCH]
            self._claims.upsert(
                ids=[c.id for c in chunk],
                documents=[c.sentence for c in chunk],
                embeddings=vectors[begin : begin + _BATCH].tolist(),
                metadatas=[_claim_metadata(c, path_of[c.source_id], versions[c.source_id]) for c in chunk],
            )

    def _delete_stale(self, paths: list[str], keep_passages: set[str], keep_claims: set[str]) -> None:
        if not paths:
            return
        for collection, keep in ((self._passages, keep_passages), (self._claims, keep_claims)):
            existing = collection.get(where={"path": {"$in": paths}}, include=[])["ids"]
            stale = [i for i in existing if i not in keep]
            for begin in range(0, len(stale), _BATCH):
                collection.delete(ids=stale[begin : begin + _BATCH])

    # ---- claims --------------------------------------------------------

    @_one_folder
    def claims_of(self, source_ids: list[str]) -> list[tuple[StatedClaim, np.ndarray]]:
        """The claims of these sources, each with its context vector."""
        if not source_ids:
            return []
        self._require_index()
        before = self._marks()
        with _store_errors("read", self.location, self._database):
            got = self._claims.get(
                where={"source_id": {"$in": list(set(source_ids))}}, include=["metadatas", "embeddings"]
            )
        committed = self._committed_since(before)
        return [
            (_claim(m), np.asarray(e, dtype=np.float32))
            for i, m, e in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True)
            if _seen(committed, m["source_id"], _claim_meta_version(i, m))
        ]

    def claim_pages(self) -> Iterator[list[StatedClaim]]:
        """Every claim without its vector, a page at a time (the audit keeps
        the claims, which are small, and fetches vectors as it needs them).
        Call inside `reading()` for one folder from start to end."""
        self._require_index()
        for got, committed in self._pages(self._claims, ["metadatas"]):
            yield [
                _claim(m)
                for i, m in zip(got["ids"], got["metadatas"], strict=True)
                if _seen(committed, m["source_id"], _claim_meta_version(i, m))
            ]

    @_one_folder
    def claim_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The context vectors of these claims."""
        if not ids:
            return {}
        with _store_errors("read", self.location, self._database):
            got = self._claims.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    @_one_folder
    def claim_neighbours(self, vectors: np.ndarray, k: int) -> list[list[str]]:
        """For each vector, the ids of the k nearest claims. Unfiltered HNSW
        search: a metadata filter makes Chroma scan the filtered set, which
        would make the audit quadratic."""
        self._require_index()
        k = min(k, self.claim_count())
        if k == 0 or len(vectors) == 0:
            return [[] for _ in vectors]
        with _store_errors("query", self.location, self._database):
            got = self._claims.query(query_embeddings=vectors.tolist(), n_results=k, include=[])
        return got["ids"]

    @_one_folder
    def claim_count(self) -> int:
        with _store_errors("read", self.location, self._database):
            return self._claims.count()

    def _bump_revision(self) -> None:
        self._meta.upsert(ids=["revision"], documents=[uuid.uuid4().hex], embeddings=[[0.0]])


def version_of(content_hash: str) -> str:
    """A file version as passage ids carry it: its hash's first 12 digits."""
    return content_hash[:12]


def passage_version(passage_id: str) -> str | None:
    """`source@<version>:n` -> version (None for ids of another form)."""
    _, at, rest = passage_id.rpartition("@")
    return rest.split(":", 1)[0] if at else None


def _problem(source_id: str, meta: dict, problem: str) -> StoreProblem:
    return StoreProblem(source=source_id, path=meta.get("path") or None, problem=problem)


def _versions(got: dict) -> dict[str, str]:
    """{source id: version} of a `get` of source records."""
    return {i: version_of(m.get("content_hash", "")) for i, m in zip(got["ids"], got["metadatas"], strict=True)}


def _passage_meta_version(passage_id: str, meta: dict) -> str | None:
    return passage_version(passage_id)


def _claim_meta_version(claim_id: str, meta: dict) -> str | None:
    return meta.get("version") or None  # None: written before claims recorded it


def _seen(committed: dict[str, str] | None, source_id: str, version: str | None) -> bool:
    """Is this record part of what readers see? Everything is when no update
    is pending; else only records of the version its source record names."""
    if committed is None:
        return True
    if source_id not in committed:
        return False
    return version is None or committed[source_id] == version


def _claim_metadata(claim: StatedClaim, path: str, version: str) -> dict:
    return {
        "source_id": claim.source_id,
        "path": path,
        "version": version,
        "measure": claim.measure,
        "kind": claim.kind,
        "role": (claim.quantity.role if claim.quantity else None) or "",
        "claim": claim.model_dump_json(),
    }


def _claim(meta: dict) -> StatedClaim:
    return StatedClaim.model_validate_json(meta["claim"])


# Ids, offsets and date bounds are for code; a llama-index reader of the
# collection (the eval baseline) shows a model only the title and date.
_BOOKKEEPING = ["source_id", "file_id", "path", "start", "end", "published_low", "published_high", "mentions"]


def _passage_metadata(passage: Passage, path: str) -> dict:
    low, high = date_bounds(passage.published)
    return {
        "source_id": passage.source_id,
        "file_id": file_id(passage.source_id),
        "title": passage.title,
        "path": path,
        "start": passage.start,
        "end": passage.end,
        "published": passage.published or "",
        "published_low": low,
        "published_high": high,
        "mentions": json.dumps([m.model_dump() for m in passage.mentions], separators=(",", ":")),
    }


def _source_metadata(source: Source, chunks: int, claims: int) -> dict:
    return {
        "title": source.title,
        "outlet": source.outlet or "",
        "published": source.published or "",
        "path": source.path,
        "content_hash": source.content_hash,
        "chunks": chunks,
        "claims": claims,
    }


def passage_from_metadata(passage_id: str, text: str, meta: dict) -> Passage:
    return Passage(
        id=passage_id,
        source_id=meta["source_id"],
        title=meta.get("title", ""),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        published=meta.get("published") or None,
        mentions=[Mention.model_validate(m) for m in json.loads(meta.get("mentions") or "[]")],
    )


def where_clause(filters: Filters) -> dict | None:
    """The Chroma `where` for `filters` (one implementation for both the
    vector query and the lexical index's mask)."""
    conditions: list[dict] = []
    if filters.sources:
        conditions.append({"$or": [{"source_id": {"$in": filters.sources}}, {"file_id": {"$in": filters.sources}}]})
    if filters.since:
        conditions.append({"published_high": {"$gte": date_bounds(filters.since)[0]}})
    if filters.until:
        conditions.append({"published_low": {"$lte": date_bounds(filters.until)[1]}})
        conditions.append({"published_low": {"$gt": 0}})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _database_damage(database: Path) -> str | None:
    """SQLite's own check of every page of an embedded store's file (2 ms a
    MB): scribbled bytes break pages that Chroma reads only when it needs
    them, and then fails (or its Rust core panics) halfway through a
    command. What the check found, or None. A Chroma server keeps its own."""
    if not database.is_file():
        return None
    try:
        read_only = f"{database.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(read_only, uri=True, timeout=5)) as db:
            found = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as error:
        if not _is_damage(str(error)):
            return None  # busy, or a hot journal a read-only check may not roll back: not damage
        found = [str(error)]
    if found == ["ok"]:
        return None
    return "SQLite's check: " + next(line for line in found[0].splitlines()[::-1] if line.strip())


def _is_damage(message: str) -> bool:
    lowered = message.lower()
    return any(sign in lowered for sign in ("malformed", "not a database", "corrupt"))


def _natural_key(text: str) -> list:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
