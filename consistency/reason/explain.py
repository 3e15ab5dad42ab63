"""Answers in words, written by code: the quoted sentences with their [n],
and each conflict (or the spread of estimates) explained with the sides it
is computed from cited. Whatever writes the answer's prose, these stay.
"""

from __future__ import annotations

from ..models import Conflict, StatedClaim
from ..text.sentences import split_sentences
from .citations import Citations


def quoted_sentences(citations: Citations) -> str:
    """The extractive answer: the cited sentences, each with its [n]."""
    return " ".join(f"{c.quote} [{c.id}]" for c in citations.list)


def cited_explanation(conflict: Conflict) -> str:
    """The explanation with every sentence citing the sides it is computed
    from, so that no statement of the answer stands without a source."""
    markers = "".join(f"[{n}]" for n in sorted({n for side in conflict.sides for n in side.citations}))
    if not markers:
        return conflict.explanation
    return " ".join(
        f"{sentence[:-1]} {markers}." if sentence.endswith(".") else f"{sentence} {markers}"
        for sentence in _whole_sentences(conflict.explanation)
    )


def _whole_sentences(text: str) -> list[str]:
    """The explanation's sentences, a quoted title that ends in "?" or "!"
    kept inside its sentence (the splitter ends a sentence there)."""
    sentences: list[str] = []
    for part in split_sentences(text):
        if sentences and part[:1] in "”’\"',;)":
            sentences[-1] += part
        else:
            sentences.append(part)
    return sentences


def facts_paragraphs(citations: Citations, conflicts: list[Conflict], varying: list[StatedClaim]) -> list[str]:
    """Each conflict (or the spread of estimates) in plain words."""
    paragraphs = []
    for conflict in conflicts:
        explanation = cited_explanation(conflict)
        paragraphs.append(
            f"The sources disagree ({conflict.severity} {conflict.kind} conflict): "
            f"{conflict.sides_text()}. {explanation}"
        )
    if varying:
        figures = ", ".join(f"{c.quantity.text} [{citations.id_of(c)}]" for c in varying if c.quantity)
        paragraphs.append(f"Estimates vary but do not contradict one another: {figures}.")
    return paragraphs
