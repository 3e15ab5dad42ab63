"""Prompts are files in prompts/ with named slots ({question}, {evidence}).

A prompt's version is a hash of its text, so the version recorded in the
output and in the extraction cache changes whenever the wording does.
"""

from __future__ import annotations

import hashlib
import string
from functools import cache

from pydantic import BaseModel

from ..config import bundled_path


class Prompt(BaseModel):
    name: str
    text: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    @property
    def label(self) -> str:
        """`name@version`, as recorded in JSON output."""
        return f"{self.name}@{self.version}"

    @property
    def slots(self) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(self.text) if field}

    def fill(self, **values: str) -> str:
        """The prompt with every slot filled; a missing or unknown slot is a bug."""
        if set(values) != self.slots:
            raise ValueError(f"prompt {self.name}: slots {sorted(self.slots)}, given {sorted(values)}")
        return self.text.format_map(values)


@cache
def load(name: str) -> Prompt:
    path = bundled_path("prompts") / f"{name}.txt"
    return Prompt(name=name, text=path.read_text(encoding="utf-8").strip() + "\n")
