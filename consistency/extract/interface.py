"""The extraction stage's interface: a source -> the claims it states.

Ingest calls whichever extractor it was given, so the eval harness can
compare two (the rules alone, the rules plus the LLM) on the same files.
"""

from __future__ import annotations

from typing import Protocol

from ..models import Passage, Source, StatedClaim


class ClaimExtractor(Protocol):
    """Reads the claims a source states, each cited by its sentence span."""

    @property
    def label(self) -> str | None:
        """What the extraction depends on beyond the file itself (a model and
        prompt version), recorded with the stored source so that a file
        read another way is read again; None for the rules alone."""
        ...

    def extract(self, source: Source, passages: list[Passage]) -> list[StatedClaim]:
        """The claims of `source`; `passages` are its chunks, for extractors
        that read a passage at a time."""
        ...
