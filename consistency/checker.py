"""The public API. The CLI, the MCP server and the eval harness are thin
shells over `Checker`; nothing they do bypasses it.

    from consistency import Checker
    checker = Checker(store="./.consistency")
    checker.ingest(["articles/"])
    answer = checker.ask("How many drones were used in the record overnight attack?")
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from . import ingest as ingest_stage
from .answer import answer_question
from .audit import audit as run_audit
from .conflicts import ClaimSet
from .dates import checked_date
from .config import MAX_QUESTION_CHARS, Settings, bundled_path
from .embed import MODEL_NAME, MiniLM, shared_model
from .errors import InputError
from .models import Answer, AuditReport, FileResult, Filters, IngestReport, Passage, Source, SourceInfo, StatedClaim, StoreStatus, Verdict
from .retrieve import Retriever
from .store import Store, StoreBatch
from .verify import check_claim

# Files are embedded and written in batches: one model call and one store
# write for many small files keeps ingest close to the model's own speed.
BATCH_PASSAGES = 512


@dataclass
class _Batch:
    paths: list[str] = field(default_factory=list)
    files: list[ingest_stage.ReadFile] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)

    @property
    def passage_count(self) -> int:
        return sum(len(f.passages) for f in self.files)


class Checker:
    def __init__(
        self,
        store: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        model: MiniLM | None = None,
    ):
        self.settings = settings or Settings.from_env(store, chroma_url)
        self.model = model or shared_model()

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.store, self.settings.chroma_url)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.model)

    # ---- ingest --------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        on_start: Callable[[int], None] | None = None,
        on_file: Callable[[FileResult], None] | None = None,
    ) -> IngestReport:
        """Add or update files and folders. Unchanged files are skipped,
        changed ones replace their old passages; a bad file fails alone."""
        report = IngestReport()
        candidates, missing = self._candidates([Path(p) for p in paths])
        if on_start:
            on_start(len(candidates) + len(missing))
        for result in missing:
            self._record(report, result, on_file)
        known = self.store.ingested_files()
        taken = {source_id: path for path, ids in known.items() for source_id in ids}
        batch = _Batch()
        for candidate in candidates:
            result = self._read(candidate, known, taken, batch)
            if result is not None:
                self._record(report, result, on_file)
            if batch.passage_count >= BATCH_PASSAGES:
                self._flush(batch, report, on_file)
                batch = _Batch()
        self._flush(batch, report, on_file)
        return report

    def ingest_bundled_corpus(self, **callbacks) -> IngestReport:
        return self.ingest([bundled_path("corpus")], **callbacks)

    @staticmethod
    def _candidates(paths: list[Path]) -> tuple[list[ingest_stage.FileCandidate], list[FileResult]]:
        candidates, missing = [], []
        for path in paths:
            try:
                candidates.extend(ingest_stage.find_files([path]))
            except InputError as error:
                missing.append(FileResult(path=str(path), outcome="failed", error=str(error)))
        return candidates, missing

    @staticmethod
    def _record(report: IngestReport, result: FileResult, on_file) -> None:
        report.files.append(result)
        if on_file:
            on_file(result)

    def _read(self, candidate, known, taken, batch: _Batch) -> FileResult | None:
        """Reads one file into the batch; returns its result now if there is
        nothing to write (unchanged or failed)."""
        path = candidate.path
        resolved = str(path.resolve())
        try:
            raw = ingest_stage.read_bytes(path, self.settings.max_file_mb)
            previous = known.get(resolved, {})
            if previous and set(previous.values()) == {ingest_stage.file_hash(raw)}:
                return FileResult(path=str(path), outcome="unchanged", sources=sorted(previous))
            base_id = self._base_id(path, resolved, previous, taken)
            read = ingest_stage.read_file(path, base_id, self.model.count_tokens, self.settings.max_file_mb)
        except InputError as error:
            return FileResult(path=str(path), outcome="failed", error=str(error))
        for source in read.sources:
            taken[source.id] = resolved
        batch.paths.append(resolved)
        batch.files.append(read)
        outcome = "updated" if previous else "added"
        batch.results.append(
            FileResult(path=str(path), outcome=outcome, sources=[s.id for s in read.sources], chunks=len(read.passages), error="; ".join(read.notes) or None)
        )
        return None

    @staticmethod
    def _base_id(path: Path, resolved: str, previous: dict[str, str], taken: dict[str, str]) -> str:
        """A stable, readable id: the file name, unless another file of that
        name is stored already (then a short hash of the path is added)."""
        if previous:
            return next(iter(previous)).split("#", 1)[0]
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-") or "source"
        clash = any(taken.get(i, resolved) != resolved for i in (base, f"{base}#1"))
        return f"{base}-{hashlib.sha1(resolved.encode()).hexdigest()[:6]}" if clash else base

    def _flush(self, batch: _Batch, report: IngestReport, on_file) -> None:
        if not batch.files:
            return
        sources = [s for f in batch.files for s in f.sources]
        passages = [p for f in batch.files for p in f.passages]
        claims = [c for f in batch.files for c in f.claims]
        # Passages are embedded alone: a title prefix drowns a short passage's topic.
        vectors = self.model.embed([p.text for p in passages])
        self.store.replace_files(
            batch.paths,
            StoreBatch(sources, passages, claims),
            passage_vectors=vectors,
            claim_vectors=_claim_vectors(claims, passages, vectors),
        )
        for result in batch.results:
            self._record(report, result, on_file)

    # ---- questions -----------------------------------------------------

    def ask(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> Answer:
        question = validate_question(question)
        return answer_question(question, *self._evidence(question, top_k, filters))

    def check(self, claim: str, top_k: int | None = None, filters: Filters | None = None) -> Verdict:
        """Is this claim supported, contradicted or disputed by the sources?"""
        claim = validate_question(claim, what="claim")
        return check_claim(claim, *self._evidence(claim, top_k, filters))

    def _evidence(self, text: str, top_k: int | None, filters: Filters | None):
        """The passages for `text`, their sources, the lexical index and the
        sources' claims: what both ask and check read."""
        if filters:
            filters = filters.model_copy(update={"since": checked_date(filters.since, "--since"), "until": checked_date(filters.until, "--until")})
        passages = self.retriever.retrieve(text, top_k or self.settings.top_k, filters)
        source_ids = [p.source_id for p in passages]
        claims = ClaimSet.of(self.store.claims_of(source_ids))
        return passages, self.store.sources(source_ids), self.retriever.lexical(), claims

    def audit(self, limit: int | None = None) -> AuditReport:
        """Every conflict in the store, most severe first."""
        return run_audit(self.store, limit)

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        return self.retriever.retrieve(validate_question(question), top_k or self.settings.top_k, filters)

    # ---- the store -----------------------------------------------------

    def sources(self) -> list[SourceInfo]:
        return self.store.source_infos()

    def source(self, source_id: str) -> Source | None:
        return self.store.sources([source_id]).get(source_id)

    def is_empty(self) -> bool:
        return self.store.counts()[0] == 0

    def status(self) -> StoreStatus:
        sources, passages = self.store.counts()
        return StoreStatus(
            location=self.store.location,
            backend=self.store.backend,
            sources=sources,
            passages=passages,
            claims=self.store.claim_count(),
            embedding_model=MODEL_NAME,
            llm="none (extractive answers)",
        )


def _claim_vectors(claims: list[StatedClaim], passages: list[Passage], vectors: np.ndarray) -> np.ndarray:
    """A claim's context vector is its passage's: similar claims are found
    by similar surroundings, at no extra embedding cost."""
    by_source: dict[str, list[tuple[Passage, np.ndarray]]] = {}
    for passage, vector in zip(passages, vectors):
        by_source.setdefault(passage.source_id, []).append((passage, vector))
    out = np.zeros((len(claims), vectors.shape[1] if len(vectors) else 384), dtype=np.float32)
    for index, claim in enumerate(claims):
        for passage, vector in by_source.get(claim.source_id, []):
            if passage.start <= claim.start < passage.end:
                out[index] = vector
                break
    return out


def validate_question(question: str, what: str = "question") -> str:
    question = (question or "").strip()
    if not question:
        raise InputError(f"the {what} is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the {what} is {len(question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return question

