"""Chroma, through llama-index's ChromaVectorStore: passages with their
vectors, and the full text of every source (so citations can be verified).

Embedded (PersistentClient in a folder) or a Chroma server (HttpClient).
Writes are ordered so that a failure never loses what was stored: new
passages are added under new ids first, stale ones are deleted last.

Passages are written through ChromaVectorStore, so any llama-index
component can read the collection (the eval baseline does). Questions read
the collection directly: importing llama-index costs 1.7 s, which a
one-shot `consistency ask` should not pay.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from ..errors import StoreError
from ..models import Filters, Mention, Passage, Source, SourceInfo, StatedClaim
from ..text.dates import date_bounds

CLAIMS = "consistency_claims"
PASSAGES = "consistency_passages"
SOURCES = "consistency_sources"
META = "consistency_meta"
_COSINE = {"hnsw:space": "cosine"}
_BATCH = 1000
_PLACEHOLDER_VECTOR = [1.0, 0.0]

log = logging.getLogger(__name__)


@dataclass
class StoreBatch:
    """What a batch of files holds, written together."""

    sources: list[Source]
    passages: list[Passage]
    claims: list[StatedClaim]


@contextlib.contextmanager
def _store_errors(action: str, location: str) -> Iterator[None]:
    """Chroma and SQLite errors become one line that says what failed."""
    try:
        yield
    except StoreError:
        raise
    except Exception as error:  # chromadb raises many types, sqlite3 others
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "locked" in message.lower():
            message = "the store is locked by another process; try again when it has finished"
        raise StoreError(f"cannot {action} the store at {location}: {message}") from error


def _file_id(source_id: str) -> str:
    return source_id.split("#", 1)[0]


class Store:
    def __init__(self, path: Path, chroma_url: str | None = None):
        self.location = chroma_url or str(path)
        self.backend = "http" if chroma_url else "persistent"
        with _store_errors("open", self.location):
            self._client = self._connect(path, chroma_url)
            self._passages = self._client.get_or_create_collection(PASSAGES, metadata=_COSINE, embedding_function=None)
            self._sources = self._client.get_or_create_collection(SOURCES, embedding_function=None)
            self._claims = self._client.get_or_create_collection(CLAIMS, metadata=_COSINE, embedding_function=None)
            self._meta = self._client.get_or_create_collection(META, embedding_function=None)

    def close(self) -> None:
        """Releases the Chroma client: chromadb caches every client's system
        (SQLite handles, ~12 MB) process-wide until it is closed, so a
        process that opens many stores (the RAMDocs eval) must close them."""
        with contextlib.suppress(Exception):  # closing twice, or a server client without close()
            self._client.close()

    @cached_property
    def vectors(self):
        """The passages collection as a llama-index vector store."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._passages)

    @staticmethod
    def _connect(path: Path, chroma_url: str | None):
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
        if path.exists() and not path.is_dir():
            raise StoreError(f"cannot open the store at {path}: it is a file, not a folder")
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path / "chroma"), settings=settings)

    # ---- reading -------------------------------------------------------

    def revision(self) -> str:
        """Changes whenever passages change; keys caches of the store."""
        with _store_errors("read", self.location):
            got = self._meta.get(ids=["revision"], include=["documents"])
        return got["documents"][0] if got["ids"] else "empty"

    def counts(self) -> tuple[int, int]:
        with _store_errors("read", self.location):
            return self._sources.count(), self._passages.count()

    def source_infos(self) -> list[SourceInfo]:
        with _store_errors("read", self.location):
            got = self._sources.get(include=["metadatas"])
        infos = [
            SourceInfo(
                id=source_id,
                title=meta.get("title", ""),
                outlet=meta.get("outlet") or None,
                published=meta.get("published") or None,
                path=meta.get("path", ""),
                chunks=int(meta.get("chunks", 0)),
            )
            for source_id, meta in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(infos, key=lambda info: _natural_key(info.id))

    def ingested_files(self) -> dict[str, dict[str, str]]:
        """{path: {source id: content hash}} of everything stored."""
        with _store_errors("read", self.location):
            got = self._sources.get(include=["metadatas"])
        files: dict[str, dict[str, str]] = {}
        for source_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            files.setdefault(meta.get("path", ""), {})[source_id] = meta.get("content_hash", "")
        return files

    def sources(self, ids: list[str]) -> dict[str, Source]:
        if not ids:
            return {}
        with _store_errors("read", self.location):
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

    def all_passages(self) -> list[Passage]:
        """Every passage (text and span, no vectors), for the lexical index."""
        total = self.counts()[1]
        passages: list[Passage] = []
        with _store_errors("read", self.location):
            for offset in range(0, total, 5000):
                got = self._passages.get(include=["documents", "metadatas"], limit=5000, offset=offset)
                passages.extend(
                    passage_from_metadata(i, d, m)
                    for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                )
        return passages

    def passage_ids(self, filters: Filters) -> set[str]:
        """Ids of the passages that `filters` admit."""
        with _store_errors("read", self.location):
            return set(self._passages.get(where=where_clause(filters), include=[])["ids"])

    def nearest(self, embedding: np.ndarray, k: int, filters: Filters | None = None) -> list[Passage]:
        """The k passages most similar to `embedding`; `score` is the cosine."""
        where = where_clause(filters) if filters else None
        with _store_errors("query", self.location):
            if self._passages.count() == 0:
                return []
            got = self._passages.query(
                query_embeddings=[embedding.tolist()],
                n_results=k,
                include=["documents", "metadatas", "distances"],
                **({"where": where} if where else {}),
            )
        passages = []
        for passage_id, text, meta, distance in zip(
            got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=False
        ):
            passage = passage_from_metadata(passage_id, text, meta)
            passage.score = 1.0 - distance  # cosine distance
            passages.append(passage)
        return passages

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        with _store_errors("read", self.location):
            got = self._passages.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    # ---- writing -------------------------------------------------------

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
        with _store_errors("write", self.location):
            old_sources = self._sources.get(where={"path": {"$in": paths}}, include=[])["ids"] if paths else []
            # Ids carry the content hash, so they exist already only if an
            # earlier run of this same file failed half-way: clear those.
            if nodes:
                self._passages.delete(ids=[n.node_id for n in nodes])
                self.vectors.add(nodes)
            if sources:
                self._sources.upsert(
                    ids=[s.id for s in sources],
                    documents=[s.text for s in sources],
                    # Sources are fetched by id, never searched by vector:
                    # a placeholder saves embedding every title.
                    embeddings=[_PLACEHOLDER_VECTOR] * len(sources),
                    metadatas=[_source_metadata(s, chunks[s.id]) for s in sources],
                )
            self._write_claims(claims, claim_vectors, path_of)
            self._delete_stale(paths, keep_passages={p.id for p in passages}, keep_claims={c.id for c in claims})
            gone = [source_id for source_id in old_sources if source_id not in chunks]
            if gone:
                self._sources.delete(ids=gone)
            self._bump_revision()

    def _write_claims(self, claims: list[StatedClaim], vectors: np.ndarray, path_of: dict[str, str]) -> None:
        for begin in range(0, len(claims), _BATCH):
            chunk = claims[begin : begin + _BATCH]
            self._claims.upsert(
                ids=[c.id for c in chunk],
                documents=[c.sentence for c in chunk],
                embeddings=vectors[begin : begin + _BATCH].tolist(),
                metadatas=[_claim_metadata(c, path_of[c.source_id]) for c in chunk],
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

    def claims_of(self, source_ids: list[str]) -> list[tuple[StatedClaim, np.ndarray]]:
        """The claims of these sources, each with its context vector."""
        if not source_ids:
            return []
        with _store_errors("read", self.location):
            got = self._claims.get(
                where={"source_id": {"$in": list(set(source_ids))}}, include=["metadatas", "embeddings"]
            )
        return [
            (_claim(m), np.asarray(e, dtype=np.float32))
            for m, e in zip(got["metadatas"], got["embeddings"], strict=True)
        ]

    def all_claims(self) -> list[tuple[StatedClaim, np.ndarray]]:
        """Every claim with its context vector, for the corpus-wide audit."""
        claims: list[tuple[StatedClaim, np.ndarray]] = []
        with _store_errors("read", self.location):
            total = self._claims.count()
            for offset in range(0, total, 5000):
                got = self._claims.get(include=["metadatas", "embeddings"], limit=5000, offset=offset)
                claims.extend(
                    (_claim(m), np.asarray(e, dtype=np.float32))
                    for m, e in zip(got["metadatas"], got["embeddings"], strict=True)
                )
        return claims

    def claim_neighbours(self, vectors: np.ndarray, k: int) -> list[list[str]]:
        """For each vector, the ids of the k nearest claims. Unfiltered HNSW
        search: a metadata filter makes Chroma scan the filtered set, which
        would make the audit quadratic."""
        k = min(k, self._claims.count())
        if k == 0 or len(vectors) == 0:
            return [[] for _ in vectors]
        with _store_errors("query", self.location):
            got = self._claims.query(query_embeddings=vectors.tolist(), n_results=k, include=[])
        return got["ids"]

    def claim_count(self) -> int:
        with _store_errors("read", self.location):
            return self._claims.count()

    def _bump_revision(self) -> None:
        self._meta.upsert(ids=["revision"], documents=[uuid.uuid4().hex], embeddings=[[0.0]])


def _claim_metadata(claim: StatedClaim, path: str) -> dict:
    return {
        "source_id": claim.source_id,
        "path": path,
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
        "file_id": _file_id(passage.source_id),
        "title": passage.title,
        "path": path,
        "start": passage.start,
        "end": passage.end,
        "published": passage.published or "",
        "published_low": low,
        "published_high": high,
        "mentions": json.dumps([m.model_dump() for m in passage.mentions], separators=(",", ":")),
    }


def _source_metadata(source: Source, chunks: int) -> dict:
    return {
        "title": source.title,
        "outlet": source.outlet or "",
        "published": source.published or "",
        "path": source.path,
        "content_hash": source.content_hash,
        "chunks": chunks,
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


def _natural_key(text: str) -> list:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
