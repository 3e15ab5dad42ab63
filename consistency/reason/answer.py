"""Evidence -> answer, by reading: the one way every reader answers.

    candidates (retrieval and scoring choose a few sentences per source)
      -> an EvidenceReader (the LLM, or the typed reader) says, per source,
         which sentences answer and what the answer is
      -> code verifies each reading (reason/verify.py) and drops what fails
      -> code decides agreement, conflicts, varying estimates, ambiguity
         (reason/decide.py) and writes the answer around the readings.

When the LLM reads, its replies are recorded in `Answer.llm`: `verified`
when every reading it gave passed, `repaired` when some were dropped (the
note says why), `rejected` when none did. A reading that fails
verification is never shown; what the typed reader read beside the model,
verified alike, still stands (marked `reader: typed`).
"""

from __future__ import annotations

from ..extract.question import Question
from ..models import Answer, Generation, Timings
from ..text.names import same_value
from . import candidates as candidate_selection
from .compose import compose, not_found
from .decide import about_of, decide
from .interface import Candidate, DraftCallback, Evidence, EvidenceReader, Reading, SentenceScorer
from .verify import Verified, verify


class ReadingAnswerer:
    """The `QuestionReader` over an `EvidenceReader`."""

    def __init__(self, reader: EvidenceReader, scorer: SentenceScorer):
        self.reader = reader
        self.scorer = scorer
        self.name = reader.name

    def read(self, question: Question, evidence: Evidence, on_draft: DraftCallback | None = None) -> Answer:
        groups = candidate_selection.select(question, evidence, self.scorer)
        result = self.reader.read(question, groups, on_draft)  # with no candidates a reader asks no model
        if not groups:
            return not_found(question.text).model_copy(update={"llm": result.generation})
        offered: dict[int, Candidate] = {s.number: s for g in groups for s in g.sentences}
        verified, problems = self._verified(question, result.readings, offered, evidence)
        primary = list(verified)
        for extra in self._verified(question, result.fallbacks, offered, evidence)[0]:
            if not any(_same_reading(extra, v) for v in verified):
                verified.append(extra)
        decision = decide(question, verified, evidence.claims)
        answer = compose(question.text, decision, evidence.sources)
        generation = result.generation
        if generation is not None:
            generation = _judged(generation, result.readings, primary, problems)
        return answer.model_copy(update={"llm": generation, "timings": Timings(generate=result.seconds)})

    @staticmethod
    def _verified(
        question: Question, readings: list[Reading], offered: dict[int, Candidate], evidence: Evidence
    ) -> tuple[list[Verified], list[str]]:
        verified: list[Verified] = []
        problems: list[str] = []
        for reading in readings:
            checked = verify(question, reading, offered, evidence)
            if isinstance(checked, str):
                problems.append(f"{reading.source_id}: {checked}")
            else:
                checked.reading.about = about_of(question, evidence.sources[reading.source_id].text)
                verified.append(checked)
        return verified, problems


def _same_reading(a: Verified, b: Verified) -> bool:
    """Two readers reading the same thing in one source: the same figures,
    or the same value."""
    if a.reading.source_id != b.reading.source_id or a.kind != b.kind:
        return False
    if a.kind == "amount":
        return {c.id for c in a.claims} <= {c.id for c in b.claims}
    return any(same_value(x.category or "", y.category or "") for x in a.claims for y in b.claims)


def _judged(generation: Generation, readings: list, verified: list[Verified], problems: list[str]) -> Generation:
    if generation.status == "unavailable":
        return generation
    if not readings:
        status = "verified"  # the model found no answer, and none is shown
    elif not verified:
        status = "rejected"
    else:
        status = "repaired" if problems else "verified"
    note = "; ".join(problems) or generation.note
    return generation.model_copy(
        update={"status": status, "note": note, "draft": generation.draft if problems else None}
    )
