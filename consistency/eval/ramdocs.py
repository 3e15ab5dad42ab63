"""RAMDocs-format evaluation: an external set the product was not built on.

Each row of a RAMDocs file is a question with its own few documents, typed
`correct`, `misinfo` (states a planted wrong answer) or `noise`. Per row the
documents become a corpus of their own (one .txt file each, ingested into a
fresh temporary store), the question is asked through the public `Checker`,
and the answer is scored against the row's gold and wrong answers.

How an `Answer` is read (`AnswerText`):

- the *text* is `answer.answer`: the answer prose (quoted sentences, or the
  LLM's validated rewrite of them) followed by the code-written paragraphs
  in `answer.facts_text` ("The sources disagree (...): A [1] vs B [2]. ...",
  "Estimates vary ...");
- the *prose* is the text without those code-written paragraphs;
- the *sides* are the values of every conflict's sides
  (`answer.conflicts[*].sides[*].value`).

A gold answer is *reported* when it is mentioned anywhere in the text of an
answer that is not `not_found` (a gold answer offered as one side of a
flagged disagreement is reported: the product shows it, with the
disagreement). A wrong answer is *flagged* when it is mentioned in a
conflict side, and *reported as the answer* when it is mentioned in the
prose and is not flagged. A wrong answer mentioned only in a quoted sentence
whose conflict is about another value is therefore reported as the answer:
the disagreement must be about that very value.

"Mentioned" is one function for gold and wrong answers alike, `mentions`.
"""

from __future__ import annotations

import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, computed_field

from ..checker import Checker, validate_question
from ..config import Settings
from ..errors import InputError
from ..index.embed import MiniLM, shared_model
from ..models import Answer, AnswerStatus
from ..reason.compose import NOT_FOUND_TEXT
from ..text.dates import find_dates
from ..text.numbers import number_mentions
from .harness import share

# ---- the file format ------------------------------------------------------


class RamdocsDocument(BaseModel):
    text: str
    type: Literal["correct", "misinfo", "noise"]
    answer: str = Field(description="the answer this document supports; 'unknown' for noise")


class RamdocsRow(BaseModel):
    question: str
    documents: list[RamdocsDocument]
    disambig_entity: list[str] = Field(description="the entity each gold answer belongs to")
    gold_answers: list[str]
    wrong_answers: list[str] = Field(description="answers planted by misinfo (and some noise) documents")

    @property
    def expected_conflict(self) -> bool:
        """A misinfo document contradicts the correct ones: the sources
        disagree about one entity, which is what a conflict is."""
        return any(d.type == "misinfo" for d in self.documents)

    @property
    def ambiguous(self) -> bool:
        """Several gold answers belong to different entities sharing a name:
        ambiguity, not a conflict."""
        return len(self.gold_answers) > 1

    @property
    def wrong(self) -> list[str]:
        """The wrong answers that count as wrong: each once, and none that
        is also a gold answer (RAMDocs sometimes plants a misinfo document
        whose answer is another entity's right answer, e.g. 'A film')."""
        gold = {_key(g) for g in self.gold_answers}
        unique = {_key(w): w for w in self.wrong_answers if _key(w) not in gold}
        return list(unique.values())


def load_rows(path: str | Path) -> list[RamdocsRow]:
    """Every row of a RAMDocs .jsonl file (blank lines skipped). A problem
    is one InputError line naming the file and the line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({error})") from None
    rows = [_row(path, number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def _row(path: Path, number: int, line: str) -> RamdocsRow:
    try:
        return RamdocsRow.model_validate_json(line)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "json_invalid":
            raise InputError(f"{path} line {number}: not valid JSON ({problem['msg']})") from None
        if problem["type"] == "missing":
            raise InputError(f"{path} line {number}: missing field {where!r}") from None
        raise InputError(f"{path} line {number}: bad field {where!r}: {problem['msg']}") from None


# ---- matching answers -----------------------------------------------------

_ARTICLES = {"a", "an", "the"}


def mentions(answer: str, text: str) -> bool:
    """Does `text` state `answer`? The one test for gold and wrong answers.

    - A date ("June 19, 1910", "3 July 1750") needs the same day, month and
      year in one date of the text, however written; a date without a day
      ("March 1814") needs month and year.
    - Any other answer with digits is a number: every number in it must be
      in the text as the same value ("3,559 people" is in "3559 residents";
      "1893-1896" needs both years). Its words are left out: units and
      qualifiers ("people", "cc", "about") are worded freely by sources.
    - Anything else is words: case, accents, punctuation and a leading
      article are ignored, a parenthesised qualifier ("Football (soccer)")
      is optional, and the remaining words must appear in the text in order
      and next to each other ("Hockey" is in "ice hockey player").
    """
    dates = find_dates(answer)
    if dates:
        found = find_dates(text)
        return all(any(date.same_as(other) for other in found) for date in dates)
    if re.search(r"\d", answer):
        stated = number_mentions(text)
        return all(any(forms & other for other in stated) for forms in number_mentions(answer))
    words = _words(answer)
    return bool(words) and _contains(_tokens(text), words)


def _tokens(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def _words(answer: str) -> list[str]:
    """An answer's words, without a parenthesised qualifier (when words
    remain without it) or a leading article."""
    bare = re.sub(r"\([^()]*\)", " ", answer)
    words = _tokens(bare) or _tokens(answer)
    return words[1:] if len(words) > 1 and words[0] in _ARTICLES else words


def _contains(tokens: list[str], words: list[str]) -> bool:
    width = len(words)
    return any(tokens[i : i + width] == words for i in range(len(tokens) - width + 1))


def _key(answer: str) -> str:
    """Two answers are the same answer when their words are."""
    return " ".join(_words(answer))


class AnswerText(BaseModel):
    """The parts of an `Answer` that scoring reads (see the module notes)."""

    status: AnswerStatus
    text: str
    prose: str
    sides: list[str]

    @classmethod
    def of(cls, answer: Answer) -> AnswerText:
        prose = answer.answer.removesuffix(answer.facts_text) if answer.facts_text else answer.answer
        sides = [side.value for conflict in answer.conflicts for side in conflict.sides]
        return cls(status=answer.status, text=answer.answer, prose=prose, sides=sides)

    def reported(self, answer: str) -> bool:
        return self.status != "not_found" and mentions(answer, self.text)

    def flagged(self, answer: str) -> bool:
        return any(mentions(answer, side) for side in self.sides)

    def as_answer(self, answer: str) -> bool:
        return self.status != "not_found" and mentions(answer, self.prose) and not self.flagged(answer)


# ---- results --------------------------------------------------------------


class RowResult(BaseModel):
    """One row: what the product answered and how it scores."""

    index: int = Field(description="the row's position in the file, from 1")
    question: str
    status: AnswerStatus | Literal["error"]
    answer: str = ""
    gold_answers: list[str]
    gold_found: list[bool] = Field(description="per gold answer: reported (anywhere in the answer text)")
    wrong_answers: list[str] = Field(description="the row's wrong answers that count (RamdocsRow.wrong)")
    wrong_as_answer: list[str] = Field(description="wrong answers in the answer prose that no conflict side names")
    wrong_flagged: list[str] = Field(description="wrong answers named by a conflict side")
    predicted_conflict: bool
    expected_conflict: bool = Field(description="the row has a misinfo document")
    ambiguous: bool = Field(description="several gold answers (different entities)")
    rejected_documents: list[str] = Field([], description="documents ingest refused, with why; the row is still asked")
    llm: str | None = Field(None, description="what the LLM did (Generation.status); None with --llm none")
    ingest_seconds: float = 0.0
    ask_seconds: float = 0.0
    seconds: float = Field(0.0, description="the whole row: files, ingest, ask, clean-up")
    error: str | None = Field(None, description="why the row could not be answered; it then scores as a miss")

    @computed_field
    @property
    def all_gold_found(self) -> bool:
        return bool(self.gold_found) and all(self.gold_found)

    @computed_field
    @property
    def exact_match(self) -> bool:
        """The RAMDocs paper's exact match: every gold answer and no wrong
        answer accepted (a flagged wrong answer is not accepted)."""
        return self.all_gold_found and not self.wrong_as_answer


def score(index: int, row: RamdocsRow, answer: Answer) -> RowResult:
    """Scores one answer against its row (module notes: what counts where)."""
    read = AnswerText.of(answer)
    wrong = row.wrong
    return RowResult(
        index=index,
        question=row.question,
        status=answer.status,
        answer=answer.answer,
        gold_answers=row.gold_answers,
        gold_found=[read.reported(gold) for gold in row.gold_answers],
        wrong_answers=wrong,
        wrong_as_answer=[w for w in wrong if read.as_answer(w)],
        wrong_flagged=[w for w in wrong if read.flagged(w)],
        predicted_conflict=bool(answer.conflicts),
        expected_conflict=row.expected_conflict,
        ambiguous=row.ambiguous,
        llm=answer.llm.status if answer.llm else None,
    )


def failed(index: int, row: RamdocsRow, error: str) -> RowResult:
    """A row that could not be answered scores as an answer that says
    nothing: a miss on every measure."""
    nothing = Answer(question=row.question, status="not_found", answer="")
    return score(index, row, nothing).model_copy(update={"status": "error", "error": error})


class RamdocsReport(BaseModel):
    """Per-row results and the metrics over them. A ratio with nothing to
    divide by is None."""

    rows: list[RowResult]
    seconds: float = Field(description="wall-clock time of the whole run, model loading included")

    @computed_field
    @property
    def gold_recall(self) -> float | None:
        """Share of rows whose every gold answer is reported."""
        return share(sum(r.all_gold_found for r in self.rows), len(self.rows))

    @computed_field
    @property
    def misinformation_flagged(self) -> float | None:
        """Among rows with wrong answers, the share where no wrong answer is
        reported as the answer (it may appear as a conflict side). A
        not_found answer passes trivially: see `misinformation_abstained`."""
        rows = self._with_wrong()
        return share(sum(not r.wrong_as_answer for r in rows), len(rows))

    @computed_field
    @property
    def misinformation_abstained(self) -> int:
        """Rows with wrong answers that pass the measure above only because
        nothing was answered (not_found or error)."""
        return sum(r.status in ("not_found", "error") for r in self._with_wrong())

    @computed_field
    @property
    def misinformation_in_conflict(self) -> float | None:
        """Among rows with wrong answers, the share where a conflict side
        names a wrong answer: the misinformation was explicitly flagged."""
        rows = self._with_wrong()
        return share(sum(bool(r.wrong_flagged) for r in rows), len(rows))

    @computed_field
    @property
    def conflict_precision(self) -> float | None:
        """Of rows answered with a conflict, the share with a misinfo document."""
        return share(self._true_conflicts(), sum(r.predicted_conflict for r in self.rows))

    @computed_field
    @property
    def conflict_recall(self) -> float | None:
        """Of rows with a misinfo document, the share answered with a conflict."""
        return share(self._true_conflicts(), sum(r.expected_conflict for r in self.rows))

    @computed_field
    @property
    def conflict_f1(self) -> float | None:
        """2TP / (2TP + FP + FN): the harmonic mean of the two above, and 0
        (not undefined) when no conflict was predicted but some were due."""
        predicted = sum(r.predicted_conflict for r in self.rows)
        expected = sum(r.expected_conflict for r in self.rows)
        return share(2 * self._true_conflicts(), predicted + expected)

    @computed_field
    @property
    def exact_match(self) -> float | None:
        """Share of rows with every gold answer and no wrong answer accepted."""
        return share(sum(r.exact_match for r in self.rows), len(self.rows))

    @computed_field
    @property
    def seconds_per_row(self) -> float | None:
        return self.seconds / len(self.rows) if self.rows else None

    @computed_field
    @property
    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def _with_wrong(self) -> list[RowResult]:
        return [r for r in self.rows if r.wrong_answers]

    def _true_conflicts(self) -> int:
        return sum(r.predicted_conflict and r.expected_conflict for r in self.rows)

    def summary(self) -> str:
        """The metrics, a line each, for a terminal."""

        def pct(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.1%}"

        with_wrong = len(self._with_wrong())
        return "\n".join(
            [
                f"rows: {len(self.rows)} ({', '.join(f'{k} {v}' for k, v in sorted(self.statuses.items()))})",
                f"gold recall: {pct(self.gold_recall)}",
                f"misinformation flagged: {pct(self.misinformation_flagged)} of {with_wrong} rows with wrong answers "
                f"({self.misinformation_abstained} by answering nothing; named in a conflict: "
                f"{pct(self.misinformation_in_conflict)})",
                f"conflict detection: precision {pct(self.conflict_precision)}, recall "
                f"{pct(self.conflict_recall)}, F1 {pct(self.conflict_f1)}",
                f"exact match: {pct(self.exact_match)}",
                f"time: {self.seconds:.1f} s ({self.seconds_per_row or 0:.2f} s per row)",
            ]
        )


# ---- running --------------------------------------------------------------


def run_ramdocs(
    rows: list[RamdocsRow],
    settings: Settings | None = None,
    *,
    model: MiniLM | None = None,
    on_row: Callable[[RowResult], None] | None = None,
) -> RamdocsReport:
    """Asks every row's question of a corpus made of that row's documents
    alone. `settings` carries the caller's choices (LLM backend, top_k,
    limits); its store is replaced per row by a fresh local one, so a row
    never sees another's documents and the user's store is never touched.
    One embedding model serves every row. A row that fails is recorded with
    its error and scored as a miss; the run goes on."""
    settings = settings or Settings.from_env()
    model = model or shared_model()
    started = time.perf_counter()
    results = []
    for index, row in enumerate(rows, start=1):
        result = run_row(index, row, settings, model)
        results.append(result)
        if on_row:
            on_row(result)
    return RamdocsReport(rows=results, seconds=time.perf_counter() - started)


def run_row(index: int, row: RamdocsRow, settings: Settings, model: MiniLM) -> RowResult:
    """One row in its own temporary folder, deleted afterwards."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ramdocs-", ignore_cleanup_errors=True) as folder:
        try:
            result = _ask_row(index, row, Path(folder), settings, model)
        except Exception as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            result = failed(index, row, f"{type(error).__name__}: {message}".rstrip(": "))
    return result.model_copy(update={"seconds": time.perf_counter() - started})


def _ask_row(index: int, row: RamdocsRow, folder: Path, settings: Settings, model: MiniLM) -> RowResult:
    documents = write_documents(row, folder / "documents")
    row_settings = settings.model_copy(
        update={"store": folder / "store", "chroma_url": None, "store_is_default": False}
    )
    with Checker(settings=row_settings, model=model) as checker:
        began = time.perf_counter()
        report = checker.ingest([documents])
        ingested = time.perf_counter()
        question = validate_question(row.question)
        # Every document refused: the row is not answered (the Checker would refuse an empty store).
        answer = checker.ask(question) if not checker.is_empty() else nothing_stored(question)
        asked = time.perf_counter()
    rejected = [f"{Path(f.path).name}: {(f.error or '').removeprefix(f'{f.path}: ')}" for f in report.failed]
    return score(index, row, answer).model_copy(
        update={"rejected_documents": rejected, "ingest_seconds": ingested - began, "ask_seconds": asked - ingested}
    )


def nothing_stored(question: str) -> Answer:
    return Answer(question=question, status="not_found", answer=NOT_FOUND_TEXT)


def write_documents(row: RamdocsRow, folder: Path) -> Path:
    """One .txt file per document (doc-01.txt, ...), as a user would save
    them. The documents have no titles, so ingest names each by its file
    name; nothing from the row but the document text is written (their
    types and answers would give the game away)."""
    folder.mkdir(parents=True)
    for number, document in enumerate(row.documents, start=1):
        (folder / f"doc-{number:02d}.txt").write_text(document.text, encoding="utf-8")
    return folder
