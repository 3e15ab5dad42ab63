"""Evidence -> numbered citations, each verified verbatim against the stored
source, and the contract's Claim and Conflict models that point at them.

One implementation for every caller: ask, check and audit number and verify
their citations here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from ..models import Citation, Claim, Conflict, ConflictSide, Source, StatedClaim
from .interface import Disagreement, ScoredSentence

log = logging.getLogger(__name__)


class Span(Protocol):
    @property
    def source_id(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class Citations:
    """Numbers spans in the order given; drops (and logs) any span whose
    text is not the stored source text."""

    def __init__(self, spans: Sequence[Span], sources: dict[str, Source]):
        self.list: list[Citation] = []
        self._ids: dict[tuple[str, int], int] = {}
        for span in spans:
            self._add(span, sources)

    def _add(self, span: Span, sources: dict[str, Source]) -> None:
        key = (span.source_id, span.start)
        source = sources.get(span.source_id)
        if key in self._ids or source is None:
            return
        quote = source.text[span.start : span.end]
        citation = Citation(
            id=len(self.list) + 1,
            source=source.id,
            title=source.title,
            quote=quote,
            start=span.start,
            end=span.end,
            outlet=source.outlet,
            published=source.published,
        )
        if not verify(citation, source):
            log.warning("dropped a citation that is not verbatim in %s [%d:%d]", source.id, span.start, span.end)
            return
        self.list.append(citation)
        self._ids[key] = citation.id

    def id_of(self, claim: StatedClaim) -> int | None:
        return self._ids.get((claim.source_id, claim.start))

    def id_of_span(self, source_id: str, start: int) -> int | None:
        return self._ids.get((source_id, start))

    def ids_of(self, spans: Iterable[Span]) -> list[int]:
        """The citations of these sentences (or claims' sentences), each once, in order."""
        return sorted({n for span in spans if (n := self.id_of_span(span.source_id, span.start)) is not None})

    def covers(self, disagreement: Disagreement) -> bool:
        return all(self.id_of(c) is not None for c in disagreement.claims)

    def conflict(self, disagreement: Disagreement) -> Conflict:
        return Conflict(
            kind=disagreement.kind,
            severity=disagreement.severity,
            summary=disagreement.summary,
            explanation=disagreement.explanation,
            sides=[
                ConflictSide(value=side.label, citations=sorted({self.id_of(c) for c in side.claims if self.id_of(c)}))
                for side in disagreement.sides
            ],
        )

    def claim(self, claim: StatedClaim) -> Claim:
        quantity = claim.quantity
        if quantity is None:
            return Claim(
                text=f"{claim.category} ({claim.claimant or 'unattributed'})",
                value=None,
                low=None,
                high=None,
                unit=claim.measure,
                qualifier="qualitative",
                source=claim.source_id,
                citation=self.id_of(claim),
            )
        return Claim(
            text=quantity.text,
            value=quantity.point,
            low=quantity.low,
            high=quantity.high if math.isfinite(quantity.high) else None,
            unit=quantity.unit,
            qualifier=quantity.qualifier,
            source=claim.source_id,
            citation=self.id_of(claim),
        )


def conflict_sentences(disagreements: list[Disagreement], chosen: list[ScoredSentence]) -> list[ScoredSentence]:
    """Every side of a conflict is cited, even if its sentence ranked lower."""
    have = {(s.source_id, s.start) for s in chosen}
    extra = []
    for claim in (c for d in disagreements for c in d.claims):
        if (claim.source_id, claim.start) not in have:
            have.add((claim.source_id, claim.start))
            extra.append(ScoredSentence(claim.source_id, claim.start, claim.end))
    return extra


def verify(citation: Citation, source: Source) -> bool:
    return bool(citation.quote) and source.text[citation.start : citation.end] == citation.quote
