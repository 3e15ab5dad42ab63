"""Verified readings and the decision -> the Answer: each source's answer
as it words it, cited by its sentences; the conflicts, varying estimates and
ambiguities explained by code; the claims they rest on.
"""

from __future__ import annotations

from ..models import Ambiguity, Answer, ConflictSide, Reading, Source
from .citations import Citations
from .decide import Decision
from .explain import facts_paragraphs
from .verify import Verified

NOT_FOUND_TEXT = "The stored sources do not answer this question."


def not_found(question: str) -> Answer:
    return Answer(question=question, status="not_found", answer=NOT_FOUND_TEXT)


def compose(question: str, decision: Decision, sources: dict[str, Source]) -> Answer:
    verified = decision.readings
    if not verified:
        return not_found(question)
    citations = Citations([s for v in verified for s in v.sentences], sources)
    readings = [_reading(v, citations) for v in verified]
    conflicts = [citations.conflict(d) for d in decision.conflicts if citations.covers(d)]
    varying = [c for c in decision.varying if citations.id_of(c)] if not conflicts else []
    facts = facts_paragraphs(citations, conflicts, varying)
    ambiguities = [_ambiguity(decision, citations)] if decision.ambiguous else []
    if ambiguities:
        facts.append(ambiguities[0].summary)
    prose = "\n".join(_statement(v, reading) for v, reading in zip(verified, readings, strict=True))
    return Answer(
        question=question,
        status="conflict" if conflicts else "answered",
        answer="\n\n".join([prose, *facts]),
        facts_text="\n\n".join(facts),
        citations=citations.list,
        claims=[citations.claim(c) for v in verified for c in v.claims if citations.id_of(c)],
        conflicts=conflicts,
        readings=readings,
        ambiguities=ambiguities,
    )


def _reading(verified: Verified, citations: Citations) -> Reading:
    ids = sorted({n for s in verified.sentences if (n := citations.id_of_span(s.source_id, s.start))})
    kind = verified.kind if verified.kind in ("amount", "date", "name", "stance") else "text"
    return Reading(
        source=verified.reading.source_id, answer=verified.reading.answer.strip(), citations=ids, kind=kind,
        about=verified.reading.about, reader=verified.reading.reader,
    )  # fmt: skip


def _statement(verified: Verified, reading: Reading) -> str:
    """A source's answer, with the sentence it stands on when the answer is
    only a part of it: "539 drones: “A record 539 drones ...” [2]"."""
    markers = "".join(f"[{n}]" for n in reading.citations)
    answer = reading.answer.strip().rstrip(" .")
    quoted = " ".join(s.text for s in verified.sentences)
    if verified.kind == "stance":
        said = "Says so" if verified.claims[0].category == "yes" else "Denies it"
        return f"{said}: “{quoted}” {markers}"
    if len(answer) >= 0.8 * len(quoted.rstrip(" .")):
        return f"{quoted} {markers}"
    return f"{answer}: “{quoted}” {markers}"


def _ambiguity(decision: Decision, citations: Citations) -> Ambiguity:
    sides = []
    for group in decision.ambiguous:
        ids = sorted({n for v in group for s in v.sentences if (n := citations.id_of_span(s.source_id, s.start))})
        about = group[0].reading.about or "one of them"
        answers = "; ".join(dict.fromkeys(v.reading.answer.strip().rstrip(".") for v in group))
        sides.append(ConflictSide(value=f"{about}: {answers}", citations=ids))
    listed = "; ".join(f"{side.value} {''.join(f'[{n}]' for n in side.citations)}" for side in sides)
    summary = f"The sources answer about different things that share a name, each with its own answer: {listed}."
    return Ambiguity(summary=summary, readings=sides)
