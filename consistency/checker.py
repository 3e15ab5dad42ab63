"""The public API. The CLI, the servers and the eval harness are thin
shells over `Checker`; nothing they do bypasses it.

    from consistency import Checker
    checker = Checker(store="./.consistency")
    checker.ingest(["articles/"])
    answer = checker.ask("How many drones were used in the record overnight attack?")

Each stage is an object behind a small Protocol (reason/interface.py,
extract/interface.py) and may be injected: `Checker(reader=...)` answers
with another reader on the same store, which is how the eval harness sets
two implementations of one stage side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from types import TracebackType

from .config import MAX_QUESTION_CHARS, LLMSettings, Settings, bundled_path
from .errors import InputError
from .extract.claims import RuleExtractor
from .extract.interface import ClaimExtractor
from .extract.question import Question
from .index.embed import MODEL_NAME, MiniLM, shared_model
from .index.retrieve import Retriever
from .index.store import Store, file_id
from .ingest.pipeline import IngestPipeline
from .ingest.shard import Shard
from .llm.backends import LLM, LLMUnavailable, TokenCallback, open_llm, resolve_backend
from .llm.writer import write_answer
from .models import (
    Answer,
    AuditReport,
    FileResult,
    Filters,
    Generation,
    IngestReport,
    Passage,
    Source,
    SourceInfo,
    StoreCheck,
    StoreStatus,
    Timings,
    Verdict,
)
from .reason.answer import ReadingAnswerer
from .reason.audit import audit as run_audit
from .reason.check import RuleJudge
from .reason.conflicts import RuleComparator
from .reason.interface import ClaimComparator, ClaimJudge, ClaimSet, Evidence, QuestionReader, SentenceScorer
from .reason.judge import ReadingJudge
from .reason.llm_judge import LLMJudge
from .reason.llm_reader import LLMReader
from .reason.rules import RuleReader
from .reason.scoring import TermsAndMeaning
from .reason.typed import TypedReader
from .text.dates import checked_date

AssembleCallback = Callable[[int, int], None]


class Checker:
    def __init__(
        self,
        store: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        model: MiniLM | None = None,
        scorer: SentenceScorer | None = None,
        comparator: ClaimComparator | None = None,
        reader: QuestionReader | None = None,
        judge: ClaimJudge | None = None,
        extractor: ClaimExtractor | None = None,
    ):
        self.settings = settings or Settings.from_env(store, chroma_url)
        self.model = model or shared_model()
        self.scorer = scorer or TermsAndMeaning(self.model)
        self.comparator = comparator or RuleComparator()
        self._injected_reader = reader
        self._readers: dict[str, QuestionReader] = {}
        self._injected_judge = judge
        self.extractor = extractor or RuleExtractor()
        self._llm: LLM | None = None
        self._llm_problem: str | None = None
        self._llm_opened = False
        # A server shares one Checker between threads: questions run side by
        # side, ingests one at a time, and the LLM is opened once.
        self._ingest_lock = threading.Lock()
        self._llm_lock = threading.Lock()

    def close(self) -> None:
        """Releases the store (when it was opened). The LLM stays loaded:
        it is shared by every Checker of the process."""
        if "store" in vars(self):
            self.store.close()

    def __enter__(self) -> Checker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
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
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        within: list[Path] | None = None,
        shard: str | None = None,
    ) -> IngestReport:
        """Add or update files and folders. Unchanged files are skipped,
        changed ones replace their old passages; a bad file fails alone.
        `extract="llm"` also has the LLM read every passage for qualitative
        claims (slow the first time; cached); `on_passage` is called after
        each passage it reads. One ingest writes to a store at a time, across
        processes: another waits (`on_wait` hears so) up to `wait` seconds
        (None: until the other is done), then fails with a StoreError.
        `within`: folders every file found must resolve into (a server's
        --allow-ingest); a symlink out of them fails alone. `shard` ("K/N"):
        this worker's share of the files, when N workers ingest the same
        paths into one Chroma server at once (each with its own K)."""
        share = Shard.parse(shard) if shard else None
        if share and self.store.backend != "http":
            raise InputError("--shard splits files between workers of one Chroma server (--chroma-url)")
        pipeline = IngestPipeline(
            self.store, self.model, self._extractor(extract, on_passage), self.settings.max_file_mb
        )
        with self._ingest_lock, self.store.writing(wait, on_wait):
            report = pipeline.run(paths, on_start=on_start, on_file=on_file, within=within, shard=share)
        if self.store.backend == "http" and report.changed and not self.store.pending_paths():
            # The last of a server's workers to finish keeps the lexical index
            # of the state it leaves, so that no reader on this machine builds
            # it (an embedded store's writer saves its own as it publishes).
            self.retriever.lexical()
        return report

    def _extractor(self, extract: str, on_passage: Callable[[], None] | None) -> ClaimExtractor:
        if extract == "rules":
            return self.extractor
        if extract != "llm":
            raise InputError(f"unknown extraction {extract!r}; choose rules or llm")
        llm = self.open_llm()
        if llm is None:
            raise LLMUnavailable(f"--extract llm needs an LLM: {self.llm_problem or 'the LLM backend is none'}")
        from .extract.llm_claims import LLMExtractor

        return LLMExtractor(llm, on_passage)

    def ingest_bundled_corpus(
        self, on_start: Callable[[int], None] | None = None, on_file: Callable[[FileResult], None] | None = None
    ) -> IngestReport:
        return self.ingest([bundled_path("corpus")], on_start=on_start, on_file=on_file)

    # ---- questions -----------------------------------------------------

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Answer from the sources. A reader (the LLM when there is one, else
        the typed reader) says what each source answers; code verifies every
        reading and decides agreement and conflicts. `on_token` receives the
        draft as it is written, unverified, for a progress display only: the
        LLM reader's reading of each source as it is read (a line each), or
        the LLM's rewriting of the rule reader's answer as it streams."""
        started = time.perf_counter()
        asked = Question.analyse(validate_question(question))
        evidence, retrieved = self._evidence(asked, top_k, filters), time.perf_counter()
        reader = self.reader
        answer = reader.read(asked, evidence, on_token)
        read = time.perf_counter()
        reading_llm = answer.timings.generate if answer.timings else 0.0
        if isinstance(reader, RuleReader):
            answer = self._write(answer, on_token)  # the rule reader's answer, rewritten by the LLM
        elif answer.llm is None:
            answer = self._unavailable(answer)
        done = time.perf_counter()
        timings = Timings(
            retrieve=retrieved - started,
            extract=read - retrieved - reading_llm,
            generate=reading_llm + done - read,
            total=done - started,
        )
        return answer.model_copy(update={"timings": timings})

    def with_reader(self, choice: str) -> Checker:
        """The same store, models and stages, answering with another reader
        (llm, typed or rules): how the eval sets readers side by side."""
        settings = self.settings.model_copy(update={"reader": choice})
        twin = Checker(
            settings=settings,
            model=self.model,
            scorer=self.scorer,
            comparator=self.comparator,
            judge=self._injected_judge,
        )
        twin._llm, twin._llm_problem, twin._llm_opened = self.open_llm(), self._llm_problem, True
        if "store" in vars(self):
            twin.store = self.store
        return twin

    @property
    def reader(self) -> QuestionReader:
        """The reader answers are read with: the one injected, else the
        settings' choice (auto: the LLM when one is available, else typed)."""
        if self._injected_reader is not None:
            return self._injected_reader
        choice = self.settings.reader
        if choice in ("auto", "llm", "llm-one-call") and self.open_llm() is not None:
            choice = "llm" if choice == "auto" else choice
        elif choice != "rules":
            choice = "typed"
        if choice not in self._readers:
            self._readers[choice] = self._make_reader(choice)
        return self._readers[choice]

    @property
    def judge(self) -> ClaimJudge:
        """The judge claims are checked with: the one injected, else the rules
        for amounts and, for dates, names and kinds, the LLM's verdict per
        source when the LLM reads (the typed slots beside it), else the typed slots."""
        if self._injected_judge is not None:
            return self._injected_judge
        reader = self.reader
        rules = RuleJudge(self.scorer, self.comparator)
        if isinstance(reader, ReadingAnswerer) and isinstance(reader.reader, LLMReader):
            typed = ReadingJudge(rules, TypedReader(), self.scorer, amount_reader=reader.reader)
            return LLMJudge(reader.reader.llm, typed, self.scorer)
        return ReadingJudge(rules, TypedReader(), self.scorer)

    def _make_reader(self, choice: str) -> QuestionReader:
        if choice == "rules":
            return RuleReader(self.scorer, self.comparator)
        if choice in ("llm", "llm-one-call"):
            llm = self.open_llm()
            assert llm is not None
            return ReadingAnswerer(
                LLMReader(llm, "one-call" if choice == "llm-one-call" else "per-source"), self.scorer
            )
        return ReadingAnswerer(TypedReader(), self.scorer)

    def check(self, claim: str, top_k: int | None = None, filters: Filters | None = None) -> Verdict:
        """Is this claim supported, contradicted or disputed by the sources?"""
        claimed = Question.analyse(validate_question(claim, what="claim"))
        return self.judge.judge(claimed, self._evidence(claimed, top_k, filters))

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        question = validate_question(question)
        filters = _dated(filters)
        self._require_a_store()
        return self._retrieve(question, top_k, self._admitted(filters))

    def _admitted(self, filters: Filters | None) -> Filters | None:
        """The filters (their dates checked by the caller, with the store's
        folder) for a store that holds sources, among them each one the
        filters name. Otherwise one line (InputError) says what is missing,
        where an answer would only say "not found". It reads the lexical
        index, which every question reads anyway: no extra scan of the store."""
        lexical = self.retriever.lexical()
        if not lexical.passages:
            raise self._empty_store()
        if filters and filters.sources:
            stored = lexical.source_ids()
            known = stored | {file_id(source_id) for source_id in stored}
            unknown = [repr(name) for name in dict.fromkeys(filters.sources) if name not in known]
            if unknown:
                raise InputError(
                    f"unknown source{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                    "the store holds no source or file with that id"
                )
        return filters

    def require_sources(self) -> None:
        """Raises the one-line InputError that says how to fill the store,
        when it holds no source (or its folder does not exist)."""
        self._require_a_store()
        if self.is_empty():
            raise self._empty_store()

    def _require_a_store(self) -> None:
        """A question to a store folder that does not exist says so, without
        creating the folder (a mistyped --store must leave no trace)."""
        if self.settings.chroma_url is None and not self.settings.store.exists():
            raise self._empty_store(str(self.settings.store))

    def _empty_store(self, location: str | None = None) -> InputError:
        # Every shell shows this line: it names the ways each of them can fill the store.
        how = "`consistency ingest PATH`, POST /ingest or the MCP ingest tool"
        return InputError(f"the store {location or self.store.location} is empty: add sources first ({how})")

    def _retrieve(self, text: str, top_k: int | None, filters: Filters | None) -> list[Passage]:
        return self.retriever.retrieve(text, top_k or self.settings.top_k, filters)

    def _evidence(self, question: Question, top_k: int | None, filters: Filters | None) -> Evidence:
        """What both ask and check read: the passages, their sources, the
        lexical index and the sources' claims. A question that names a time
        ("in October 2022") also reads the best passages of reports from then.
        All of it from one state of the store, though an ingest may end meanwhile."""
        filters = _dated(filters)  # a bad date is reported before a store that does not exist
        self._require_a_store()
        with self.store.reading():
            return self._gather(question, top_k, filters)

    def _gather(self, question: Question, top_k: int | None, filters: Filters | None) -> Evidence:
        filters = self._admitted(filters)
        passages = self._retrieve(question.text, top_k, filters)
        if question.dates and not (filters and (filters.since or filters.until)):
            seen = {p.id for p in passages}
            for when in question.dates:
                dated = (filters or Filters()).model_copy(update={"since": when, "until": _month_after(when)})
                passages += [p for p in self._retrieve(question.text, top_k, dated) if p.id not in seen]
                seen = {p.id for p in passages}
        source_ids = [p.source_id for p in passages]
        claims = ClaimSet.of(self.store.claims_of(source_ids))
        return Evidence(
            passages=passages,
            sources=self.store.sources(source_ids),
            lexical=self.retriever.lexical(),
            claims=claims,
            embedder=self.model,
        )

    # ---- the LLM -------------------------------------------------------

    def open_llm(self, on_assemble: AssembleCallback | None = None) -> LLM | None:
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
        return self._unavailable(answer)

    def _unavailable(self, answer: Answer) -> Answer:
        """Says in `answer.llm` why no LLM took part, when one was asked for."""
        if self._llm_problem is None:
            return answer  # --llm none: no model by choice
        backend = resolve_backend(self.settings.llm)
        unavailable = Generation(
            backend=backend, model=self.settings.llm.model or "default", status="unavailable", note=self._llm_problem
        )
        return answer.model_copy(update={"llm": unavailable})

    def audit(self, limit: int | None = None) -> AuditReport:
        """Every conflict in the store, most severe first."""
        self.require_sources()
        with self.store.reading():
            return run_audit(self.store, self.comparator, limit)

    # ---- the store -----------------------------------------------------

    def remove(self, targets: Iterable[str | Path], wait: float | None = None) -> list[SourceInfo]:
        """Forget sources: each target a source id, an ingested file (all its
        sources) or a folder (every file ingested from under it). Returns
        what was removed; a target that names nothing stored is an
        InputError, and then nothing is removed."""
        wanted = [str(target) for target in targets]
        infos = self.store.source_infos()
        chosen: dict[str, SourceInfo] = {}
        unknown = []
        for target in wanted:
            hits = [info for info in infos if _names(target, info)]
            chosen.update((info.id, info) for info in hits)
            if not hits:
                unknown.append(target)
        if unknown:
            raise InputError("not in the store: " + ", ".join(unknown) + " (`consistency sources` lists what is)")
        ids = sorted(chosen)
        # Whole files go by path (a file with several sources leaves nothing behind);
        # a source named alone goes by id.
        paths = sorted({info.path for info in chosen.values() if _names_file(wanted, info)})
        with self._ingest_lock, self.store.writing(wait):
            self.store.remove_sources(ids, paths)
        return [chosen[i] for i in ids]

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
        interrupted = self.store.interrupted()
        return StoreStatus(
            location=self.store.location,
            backend=self.store.backend,
            sources=sources,
            passages=passages,
            claims=self.store.claim_count(),
            embedding_model=MODEL_NAME,
            llm=self.llm_description(),
            needs_repair=interrupted.problem if interrupted else None,
        )

    def verify(self, repair: bool = False, wait: float | None = None) -> StoreCheck:
        """Checks that the store holds together (store.verify); with `repair`,
        finishes an interrupted update, reads again the files of broken
        sources where they still exist and removes the rest, then checks
        again."""
        problems = self.store.verify()
        repaired: list[str] = []
        if repair and problems:
            with self._ingest_lock, self.store.writing(wait):
                finished = self.store.finish_interrupted()
                if finished:
                    repaired.append(f"finished an interrupted update of {len(finished)} file(s)")
                broken = [p for p in self.store.verify() if p.source or p.path]
                paths = sorted({p.path for p in broken if p.path})
                self.store.remove_sources(sorted({p.source for p in broken if p.source}), paths)
                repaired += [f"removed what was stored of {path}" for path in paths]
            again = [path for path in paths if Path(path).is_file()]
            if again:
                report = self.ingest(again, wait=wait)
                repaired += [f"{f.outcome}: {f.path}" + (f" ({f.error})" if f.error else "") for f in report.files]
            problems = self.store.verify()
        sources, passages = self.store.counts()
        return StoreCheck(
            location=self.store.location,
            sources=sources,
            passages=passages,
            claims=self.store.claim_count(),
            problems=problems,
            repaired=repaired,
        )


def _dated(filters: Filters | None) -> Filters | None:
    """The filters with their dates checked (InputError) and normalised."""
    if not filters:
        return filters
    return filters.model_copy(
        update={"since": checked_date(filters.since, "since"), "until": checked_date(filters.until, "until")}
    )


def _names(target: str, info: SourceInfo) -> bool:
    """Does `target` (a source id, a file or a folder) name this source?"""
    if target == info.id:
        return True
    path = Path(target).expanduser().resolve()
    return Path(info.path) == path or Path(info.path).is_relative_to(path)


def _names_file(targets: list[str], info: SourceInfo) -> bool:
    return any(target != info.id and _names(target, info) for target in targets)


def _month_after(when: str) -> str:
    """The end of the period a question's date names, a month's slack after it
    (reports come after the event)."""
    parts = when.split("-")
    if len(parts) == 1:
        return str(int(parts[0]) + 1) + "-01"
    year, month = int(parts[0]), int(parts[1])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _describe(settings: LLMSettings) -> str:
    backend = resolve_backend(settings)
    if backend == "none":
        return "none (extractive answers)"
    if backend == "local":
        return f"local: {settings.model_path or 'qwen2.5-coder-1.5b-instruct (Q4_K_M)'}"
    return f"{backend}: {settings.model or 'default model'} at {settings.base_url or 'api.openai.com'}"


def validate_question(question: str, what: str = "question") -> str:
    question = (question or "").strip()
    if not question:
        raise InputError(f"the {what} is empty")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"the {what} is not valid text (it holds a lone surrogate code point)") from None
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the {what} is {len(question):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return question
