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
import threading
import time
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
from .llm_claims import ClaimReader
from .llm import LLM, LLMUnavailable, TokenCallback, open_llm, resolve_backend
from .models import (
    Answer, AuditReport, FileResult, Filters, Generation, IngestReport, Passage, Source, SourceInfo, StatedClaim, StoreStatus, Timings, Verdict,
)
from .retrieve import Retriever
from .store import Store, StoreBatch
from .verify import check_claim
from .write import write_answer

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
        self._llm: LLM | None = None
        self._llm_problem: str | None = None
        self._llm_opened = False
        self._reader: ClaimReader | None = None
        self._on_passage: Callable[[], None] | None = None
        # A server shares one Checker between threads: questions run side by
        # side, ingests one at a time (they hold per-run state), and the LLM
        # is opened once.
        self._ingest_lock = threading.Lock()
        self._llm_lock = threading.Lock()

    def close(self) -> None:
        """Releases the store (when it was opened). The LLM stays loaded:
        it is shared by every Checker of the process."""
        if "store" in vars(self):
            self.store.close()

    def __enter__(self) -> "Checker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
        extract: str = "rules",
        on_passage: Callable[[], None] | None = None,
    ) -> IngestReport:
        """Add or update files and folders. Unchanged files are skipped,
        changed ones replace their old passages; a bad file fails alone.
        `extract="llm"` also has the LLM read every passage for qualitative
        claims (slow the first time; cached)."""
        self._reader = self._claim_reader(extract)
        self._on_passage = on_passage
        report = IngestReport()
        candidates, missing = self._candidates(paths)
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

    def _claim_reader(self, extract: str) -> ClaimReader | None:
        if extract == "rules":
            return None
        if extract != "llm":
            raise InputError(f"unknown extraction {extract!r}; choose rules or llm")
        llm = self.open_llm()
        if llm is None:
            raise LLMUnavailable(f"--extract llm needs an LLM: {self.llm_problem or 'the LLM backend is none'}")
        return ClaimReader(llm)

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
            wanted = ingest_stage.file_hash(raw) + (f"+{self._reader.label}" if self._reader else "")
            if previous and _up_to_date(set(previous.values()), wanted):
                return FileResult(path=str(path), outcome="unchanged", sources=sorted(previous))
            base_id = self._base_id(path, resolved, previous, taken)
            read = ingest_stage.read_file(path, base_id, self.model.count_tokens, self.settings.max_file_mb)
            if self._reader:
                self._read_with_llm(read, wanted)
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

    def _read_with_llm(self, read: ingest_stage.ReadFile, content_hash: str) -> None:
        """Adds the LLM's verified qualitative claims to the rules' claims
        (a class the rules already found in a sentence is not added twice)."""
        for source in read.sources:
            passages = [p for p in read.passages if p.source_id == source.id]
            known = {(c.start, c.category) for c in read.claims if c.source_id == source.id and c.kind == "qualitative"}
            for claim in self._reader.read(source, passages, self._on_passage):
                if (claim.start, claim.category) not in known:
                    read.claims.append(claim)
            source.content_hash = content_hash

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

    def ask(
        self, question: str, top_k: int | None = None, filters: Filters | None = None, on_token: TokenCallback | None = None
    ) -> Answer:
        """Answer from the sources. Code finds the answer, its claims and
        conflicts; the LLM, when there is one, rewrites it in its own words
        under validation. `on_token` receives the LLM's draft as it streams
        (unvalidated: for a progress display only)."""
        started = time.perf_counter()
        question = validate_question(question)
        passages, retrieved = self._retrieve(question, top_k, filters), time.perf_counter()
        answer = answer_question(question, *self._evidence(passages), self.model)
        extracted = time.perf_counter()
        answer = self._write(answer, on_token)
        done = time.perf_counter()
        timings = Timings(retrieve=retrieved - started, extract=extracted - retrieved, generate=done - extracted, total=done - started)
        return answer.model_copy(update={"timings": timings})

    def check(self, claim: str, top_k: int | None = None, filters: Filters | None = None) -> Verdict:
        """Is this claim supported, contradicted or disputed by the sources?"""
        claim = validate_question(claim, what="claim")
        return check_claim(claim, *self._evidence(self._retrieve(claim, top_k, filters)), self.model)

    def _retrieve(self, text: str, top_k: int | None, filters: Filters | None) -> list[Passage]:
        if filters:
            filters = filters.model_copy(update={"since": checked_date(filters.since, "--since"), "until": checked_date(filters.until, "--until")})
        return self.retriever.retrieve(text, top_k or self.settings.top_k, filters)

    def _evidence(self, passages: list[Passage]):
        """The passages, their sources, the lexical index and the sources'
        claims: what both ask and check read."""
        source_ids = [p.source_id for p in passages]
        claims = ClaimSet.of(self.store.claims_of(source_ids))
        return passages, self.store.sources(source_ids), self.retriever.lexical(), claims

    # ---- the LLM -------------------------------------------------------

    def open_llm(self, on_assemble=None) -> LLM | None:
        """The configured LLM, started once. None when the backend is
        `none` or cannot start (then `llm_problem` says why, and answers
        fall back to extractive ones)."""
        with self._llm_lock:
            if not self._llm_opened:
                self._llm_opened = True
                try:
                    self._llm = open_llm(self.settings.llm, on_assemble)
                except LLMUnavailable as error:
                    self._llm_problem = str(error)
            return self._llm

    @property
    def llm_problem(self) -> str | None:
        return self._llm_problem

    def _write(self, answer: Answer, on_token: TokenCallback | None) -> Answer:
        llm = self.open_llm()
        if llm is not None:
            return write_answer(answer, llm, on_token)
        if self._llm_problem is None:
            return answer  # --llm none: extractive by choice
        backend = resolve_backend(self.settings.llm)
        unavailable = Generation(backend=backend, model=self.settings.llm.model or "default", status="unavailable", note=self._llm_problem)
        return answer.model_copy(update={"llm": unavailable})

    def audit(self, limit: int | None = None) -> AuditReport:
        """Every conflict in the store, most severe first."""
        return run_audit(self.store, limit)

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        return self.retriever.retrieve(validate_question(question), top_k or self.settings.top_k, filters)

    # ---- the store -----------------------------------------------------

    def llm_description(self) -> str:
        return _describe(self.settings.llm)

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
            llm=self.llm_description(),
        )


def _up_to_date(stored: set[str], wanted: str) -> bool:
    """Unchanged: the same file read the same way. A file once read with
    the LLM stays up to date for a plain ingest (its LLM claims are kept)."""
    if "+" in wanted:
        return stored == {wanted}
    return all(h.split("+", 1)[0] == wanted for h in stored)


def _describe(settings) -> str:
    backend = resolve_backend(settings)
    if backend == "none":
        return "none (extractive answers)"
    if backend == "local":
        return f"local: {settings.model_path or 'qwen2.5-coder-1.5b-instruct (Q4_K_M)'}"
    return f"{backend}: {settings.model or 'default model'} at {settings.base_url or 'api.openai.com'}"


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

