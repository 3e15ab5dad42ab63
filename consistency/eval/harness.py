"""The harness: gold questions and claims -> the system's answers -> scores.

Every system (our pipeline with or without an LLM, the plain llama-index
baseline) is an `Asker`: a function from a question to an `Answer`. All of
them are scored by the same code, from what they return and nothing else:

- answer accuracy: every accepted value appears among the numbers of the
  answer (values compared, not strings: "10,000" = "10 thousand") and every
  accepted string appears in it; an unanswerable item is right when the
  system abstains.
- abstention: status `not_found`, or a reply that says the sources do not
  say and states no number (so a plain engine that writes "The sources do
  not mention it" abstains too, and one that writes "1,000 tanks" does not).
- right evidence: every expected quote fragment lies inside a cited span.
- conflict flagged: the answer reports a conflict, or its text says that
  sources disagree (not "do not contradict").
- citation recall and precision, after ALCE (Gao et al., 2023) with code in
  place of its NLI model: see `citation_scores`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from ..errors import InputError
from ..models import Answer, Citation, Verdict
from ..text.numbers import number_mentions
from ..text.sentences import split_sentences
from ..text.terms import terms

if TYPE_CHECKING:
    from ..checker import Checker

Asker = Callable[[str], Answer]
ClaimChecker = Callable[[str], Verdict]
Split = Literal["dev", "held-out"]

# Citation markers: ours are [1]; a plain engine also writes "Source 1" or
# "Sources 1 and 2". Either way they cite, and their digits are not figures.
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]|\(?\b[Ss]ources?\s+\d+(?:\s*(?:,|and|&)\s*\d+)*\)?")
_REFUSAL = re.compile(
    r"\b(do(es)? not (say|state|answer|mention|provide|specify|contain|include|give)|"
    r"(no|not enough|insufficient) (information|data|mention|details?)|cannot (be )?(determine|answer|find)|"
    r"not (mentioned|stated|specified|provided|available|found)|unknown|unable to)\b",
    re.IGNORECASE,
)
# Bare "conflict" is not here: in news it is the war ("join the conflict").
_DISAGREEMENT = re.compile(
    r"\b(disagree\w*|contradict\w*|discrepanc\w*|inconsisten\w*|conflicting|"
    r"(figures|numbers|counts|reports|accounts|sources|estimates) (differ|conflict))\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(no|not|nor|without|never)\b[\w\s]{0,20}$", re.IGNORECASE)
# A statement without numbers is supported when most of its content words
# are in the cited spans (verbatim quotes score 1.0; loose paraphrase less).
TERM_SUPPORT = 0.6
SUM_TERMS = 3  # a derived total may add up to this many cited figures


# ---- the gold sets -----------------------------------------------------


class GoldItem(BaseModel):
    id: str
    question: str
    category: str
    answerable: bool
    values: list[float] = []
    answers: list[str] = []
    quotes: list[str] = []
    conflict: bool = False
    notes: str = ""

    @property
    def split(self) -> Split:
        return split_of(self.id)


class GoldClaim(BaseModel):
    id: str
    claim: str
    verdict: Literal["supported", "contradicted", "disputed", "not_found"]
    quotes: list[str] = []
    notes: str = ""

    @property
    def split(self) -> Split:
        return split_of(self.id)


def split_of(item_id: str) -> Split:
    """A fixed half of the items is for development; rules are judged on
    the other half, which no change may be tuned to."""
    return "dev" if hashlib.sha256(item_id.encode()).digest()[0] % 2 == 0 else "held-out"


def load_jsonl(path: Path, model: type[BaseModel]) -> list:
    if not path.is_file():
        raise InputError(f"no such gold file: {path}")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise InputError(f"{path}:{number}: {where}: {first['msg']}") from None
    if not items:
        raise InputError(f"the gold file is empty: {path}")
    return items


# ---- results -------------------------------------------------------------


class CitationScore(BaseModel):
    statements: int = Field(description="statements that cite or state a number")
    supported: int
    citations: int
    relevant: int


class ItemResult(BaseModel):
    id: str
    split: Split
    category: str
    question: str
    status: str
    answer: str
    correct: bool
    abstained: bool
    evidence: bool | None = Field(None, description="answerable items: every expected quote is inside a cited span")
    conflict_expected: bool
    conflict_flagged: bool
    citation: CitationScore
    missing: list[str] = Field([], description="expected values, strings and quotes the answer lacks")
    seconds: float
    error: str | None = None


class ClaimResult(BaseModel):
    id: str
    split: Split
    claim: str
    expected: str
    verdict: str
    correct: bool
    seconds: float
    error: str | None = None


class Metrics(BaseModel):
    items: int
    accuracy: float | None
    evidence: float | None = Field(description="share of answerable items citing every expected quote")
    citation_recall: float | None
    citation_precision: float | None
    conflict_precision: float | None
    conflict_recall: float | None
    conflict_f1: float | None
    false_flags: int
    missed_conflicts: int
    abstention: float | None = Field(description="share of unanswerable items where the system abstained")
    invented: int = Field(description="unanswerable items answered anyway")
    claims: int = 0
    claim_accuracy: float | None = None
    latency_p50: float | None
    latency_p95: float | None


class SystemRun(BaseModel):
    system: str = Field(description="'consistency' or 'baseline'")
    llm: str
    total: Metrics
    held_out: Metrics
    by_category: dict[str, Metrics]
    items: list[ItemResult]
    claims: list[ClaimResult] = []
    seconds: float


# ---- scoring one answer --------------------------------------------------


def score_item(item: GoldItem, answer: Answer, seconds: float) -> ItemResult:
    text = answer.answer
    abstained = abstains(answer)
    flagged = flags_conflict(answer)
    if item.answerable:
        lacking = missing_values(item, text)
        unquoted = [q for q in item.quotes if not quoted(q, answer.citations)]
        missing, found, evidence = lacking + unquoted, not abstained and not lacking, not unquoted
    else:
        missing, found, evidence = [], abstained, None
    return ItemResult(
        id=item.id,
        split=item.split,
        category=item.category,
        question=item.question,
        status=answer.status,
        answer=text,
        correct=found,
        abstained=abstained,
        evidence=evidence,
        conflict_expected=item.conflict,
        conflict_flagged=flagged,
        citation=citation_scores(answer),
        missing=missing,
        seconds=seconds,
    )


def missing_values(item: GoldItem, text: str) -> list[str]:
    stated = {form for mention in number_mentions(_MARKERS.sub("", text)) for form in mention}
    missing = [_figure(v) for v in item.values if not any(_same(v, s) for s in stated)]
    folded = _fold(text)
    return missing + [a for a in item.answers if _fold(a) not in folded]


def abstains(answer: Answer) -> bool:
    if answer.status == "not_found":
        return True
    text = _MARKERS.sub("", answer.answer)
    return bool(_REFUSAL.search(text)) and not number_mentions(text)


def flags_conflict(answer: Answer) -> bool:
    if answer.conflicts:
        return True
    return any(not _NEGATION.search(answer.answer[: m.start()]) for m in _DISAGREEMENT.finditer(answer.answer))


def quoted(fragment: str, citations: list[Citation]) -> bool:
    wanted = _fold(fragment)
    return any(wanted in _fold(c.quote) for c in citations)


def citation_scores(answer: Answer) -> CitationScore:
    """ALCE's citation recall and precision over verbatim spans.

    The answer is split into sentences (statements). A statement counts when
    it cites or states a number; an uncited one with a number is unsupported.
    It is supported by its cited spans when every number in it is stated in
    them or computed from them (a sum, difference or percentage gap), or,
    without numbers, when most of its content words are in them. A citation
    of a supported statement is relevant unless it supports nothing alone
    and the others support the statement without it (ALCE's test); the
    citations of unsupported statements are not relevant."""
    quotes = {c.id: c.quote for c in answer.citations}
    statements = supported = citations = relevant = 0
    if answer.status == "not_found":
        return CitationScore(statements=0, supported=0, citations=0, relevant=0)
    for sentence in split_sentences(answer.answer):
        ids = list(dict.fromkeys(int(n) for marker in _MARKERS.findall(sentence) for n in re.findall(r"\d+", marker)))
        claim = _MARKERS.sub("", sentence)
        if not ids and not number_mentions(claim):
            continue
        statements += 1
        citations += len(ids)
        spans = [quotes.get(n, "") for n in ids]
        if not ids or not _supports(claim, spans):
            continue
        supported += 1
        for index, span in enumerate(spans):
            others = spans[:index] + spans[index + 1 :]
            if _supports(claim, [span]) or not _supports(claim, others):
                relevant += 1
    return CitationScore(statements=statements, supported=supported, citations=citations, relevant=relevant)


def _supports(claim: str, spans: list[str]) -> bool:
    spans = [s for s in spans if s]
    if not spans:
        return False
    mentions = number_mentions(claim)
    if mentions:
        available = _derivable(spans)
        return all(any(_same(form, value) for form in mention for value in available) for mention in mentions)
    wanted = set(terms(claim))
    if not wanted:
        return True
    present = set(terms(" ".join(spans)))
    return len(wanted & present) / len(wanted) >= TERM_SUPPORT


def _derivable(spans: list[str]) -> set[float]:
    """Numbers the spans state, and those code derives from them: sums (539
    drones + 11 missiles = 550), differences and percentage gaps."""
    stated = sorted({form for span in spans for mention in number_mentions(span) for form in mention})
    values = set(stated)
    for size in range(2, SUM_TERMS + 1):
        values.update(sum(c) for c in itertools.combinations(stated[:40], size))
    totals = sorted(values)[:400]
    for a, b in itertools.combinations(totals, 2):
        values.add(abs(b - a))
        if max(a, b) > 0:
            values.add(round(100 * abs(b - a) / max(a, b)))
    return values


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def _fold(text: str) -> str:
    """Compare text as a reader would: case, curly quotes and spacing aside."""
    text = (
        text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    )
    return re.sub(r"\s+", " ", _MARKERS.sub("", text)).strip().lower()


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


# ---- running a system ------------------------------------------------------


def run_items(
    items: Iterable[GoldItem], ask: Asker, on_item: Callable[[ItemResult], None] | None = None
) -> list[ItemResult]:
    results = []
    for item in items:
        started = time.perf_counter()
        try:
            answer, error = ask(item.question), None
        except Exception as error_:  # one failing question is a miss, not the end of the run
            answer, error = (
                Answer(question=item.question, status="not_found", answer=""),
                f"{type(error_).__name__}: {error_}",
            )
        result = score_item(item, answer, time.perf_counter() - started).model_copy(update={"error": error})
        if error:
            result = result.model_copy(update={"correct": False, "abstained": False})
        results.append(result)
        if on_item:
            on_item(result)
    return results


def run_claims(
    claims: Iterable[GoldClaim], check: ClaimChecker, on_item: Callable[[ClaimResult], None] | None = None
) -> list[ClaimResult]:
    results = []
    for claim in claims:
        started = time.perf_counter()
        verdict: str
        try:
            verdict, error = check(claim.claim).verdict, None
        except Exception as error_:  # recorded per claim, as above
            verdict, error = "error", f"{type(error_).__name__}: {error_}"
        result = ClaimResult(
            id=claim.id,
            split=claim.split,
            claim=claim.claim,
            expected=claim.verdict,
            verdict=verdict,
            correct=verdict == claim.verdict,
            seconds=time.perf_counter() - started,
            error=error,
        )
        results.append(result)
        if on_item:
            on_item(result)
    return results


def system_run(system: str, llm: str, items: list[ItemResult], claims: list[ClaimResult], seconds: float) -> SystemRun:
    categories = sorted({i.category for i in items})
    return SystemRun(
        system=system,
        llm=llm,
        total=summarize(items, claims),
        held_out=summarize([i for i in items if i.split == "held-out"], [c for c in claims if c.split == "held-out"]),
        by_category={c: summarize([i for i in items if i.category == c], []) for c in categories},
        items=items,
        claims=claims,
        seconds=seconds,
    )


def summarize(items: list[ItemResult], claims: list[ClaimResult]) -> Metrics:
    answerable = [i for i in items if i.evidence is not None]
    unanswerable = [i for i in items if i.evidence is None]
    flagged_right = sum(i.conflict_flagged and i.conflict_expected for i in items)
    flagged = sum(i.conflict_flagged for i in items)
    expected = sum(i.conflict_expected for i in items)
    precision = share(flagged_right, flagged)
    recall = share(flagged_right, expected)
    statements = sum(i.citation.statements for i in items)
    cited = sum(i.citation.citations for i in items)
    seconds = sorted(i.seconds for i in items)
    return Metrics(
        items=len(items),
        accuracy=share(sum(i.correct for i in items), len(items)),
        evidence=share(sum(bool(i.evidence) for i in answerable), len(answerable)),
        citation_recall=share(sum(i.citation.supported for i in items), statements),
        citation_precision=share(sum(i.citation.relevant for i in items), cited),
        conflict_precision=precision,
        conflict_recall=recall,
        conflict_f1=None
        if precision is None or recall is None
        else (2 * precision * recall / (precision + recall) if precision + recall else 0.0),
        false_flags=flagged - flagged_right,
        missed_conflicts=expected - flagged_right,
        abstention=share(sum(i.abstained for i in unanswerable), len(unanswerable)),
        invented=sum(not i.abstained for i in unanswerable),
        claims=len(claims),
        claim_accuracy=share(sum(c.correct for c in claims), len(claims)),
        latency_p50=statistics.median(seconds) if seconds else None,
        latency_p95=_percentile(seconds, 0.95),
    )


def share(part: int, whole: int) -> float | None:
    """A ratio for a report: None, shown as "–", when there is nothing to divide by."""
    return part / whole if whole else None


def _percentile(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# ---- a whole evaluation ------------------------------------------------------


class EvalReport(BaseModel):
    gold: str
    claims: str | None
    corpus: str
    store: str
    started: str = Field(description="ISO time the run began")
    seconds: float
    runs: list[SystemRun]


Progress = Callable[[str, int], Callable[[], None]]
"""Called once per system with its name and number of steps; returns the
function to call after each step (a progress bar's advance)."""


def evaluate(
    checker: Checker,
    gold: Path,
    claims: Path | None,
    *,
    baseline: bool = False,
    readers: list[str] | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Runs the gold set (and claims) through our pipeline, once per reader
    asked for (`readers`: llm, typed, rules; default: the checker's own), and,
    when asked, through the plain llama-index baseline on the same store,
    embeddings and LLM. The store must already hold the gold set's corpus."""
    started = time.perf_counter()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    items = spread(load_jsonl(gold, GoldItem), limit)
    gold_claims = spread(load_jsonl(claims, GoldClaim), limit) if claims else []
    llm = checker.llm_description() if checker.open_llm() else "none (extractive)"
    runs = []
    for reader in readers or [""]:
        system = checker.with_reader(reader) if reader else checker
        name = f"consistency[{_reader_name(system)}]"
        runs.append(_run_system(name, llm, items, gold_claims, system.ask, system.check, progress))
    if baseline:
        from .baseline import Baseline  # imports llama-index: only when asked

        engine = Baseline(checker)
        runs.append(_run_system("baseline", llm, items, [], engine.ask, None, progress))
    return EvalReport(
        gold=str(gold),
        claims=str(claims) if claims else None,
        corpus=f"{len(checker.sources())} sources",
        store=checker.store.location,
        started=stamp,
        seconds=time.perf_counter() - started,
        runs=runs,
    )


def _reader_name(checker: Checker) -> str:
    return getattr(checker.reader, "name", type(checker.reader).__name__)


def spread(items: list, limit: int | None) -> list:
    """`limit` items evenly spaced through the file: the gold file is ordered
    by category, so the first N would all be conflicts."""
    if limit is None or limit >= len(items):
        return items
    return [items[round(i * len(items) / limit)] for i in range(limit)]


def _run_system(
    name: str,
    llm: str,
    items: list[GoldItem],
    claims: list[GoldClaim],
    ask: Asker,
    check: ClaimChecker | None,
    progress: Progress | None,
) -> SystemRun:
    step = progress(f"{name} ({llm})", len(items) + (len(claims) if check else 0)) if progress else None
    started = time.perf_counter()
    results = run_items(items, ask, step and (lambda _: step()))
    claim_results = run_claims(claims, check, step and (lambda _: step())) if check else []
    return system_run(name, llm, results, claim_results, time.perf_counter() - started)
