"""Checks what the LLM wrote before anyone sees it.

Sentence by sentence: every [n] must name a citation; a sentence must cite;
every number in it must appear in the quotes it cites or in the facts code
computed (a sum, a conflict's sides); and while code has found a conflict,
no sentence may say the sources agree. A failing sentence is removed (the
answer is "repaired"); when nothing verifiable is left, the answer is
rejected and the extractive one is shown instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..models import Citation
from ..text.numbers import number_mentions
from ..text.sentences import split_sentences

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# Phrases that deny or soften a disagreement.
_SOFTENING = re.compile(
    r"\b(agree[sd]?|in agreement|consistent(ly)?|no (real )?(conflict|discrepanc\w*|contradiction|disagreement)|"
    r"(do|does) not (conflict|contradict|disagree)|confirm(s|ed)?|the same (number|figure|count|total))\b",
    re.IGNORECASE,
)
_LEADING_LABEL = re.compile(r"^\s*(answer|response)\s*:\s*", re.IGNORECASE)


@dataclass
class Checked:
    status: Literal["verified", "repaired", "rejected"]
    text: str
    problems: list[str] = field(default_factory=list)


def validate(draft: str, citations: list[Citation], facts: str, conflict: bool) -> Checked:
    quotes = {c.id: c.quote for c in citations}
    fact_numbers = _all_numbers(facts)
    kept, problems = [], []
    for sentence in split_sentences(_LEADING_LABEL.sub("", draft.strip())):
        problem = _problem(sentence, quotes, fact_numbers, conflict)
        if problem:
            problems.append(f"{problem}: {sentence!r}")
        else:
            kept.append(sentence)
    if not kept:
        return Checked("rejected", "", problems or ["the model wrote nothing"])
    return Checked("repaired" if problems else "verified", " ".join(kept), problems)


def cited_ids(sentence: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(sentence) for n in group.split(",")]


def _problem(sentence: str, quotes: dict[int, str], fact_numbers: set[float], conflict: bool) -> str | None:
    ids = cited_ids(sentence)
    unknown = [n for n in ids if n not in quotes]
    if unknown:
        return f"cites [{unknown[0]}], which does not exist"
    if not ids:
        return "states something without a citation"
    if conflict and _SOFTENING.search(sentence):
        return "says the sources agree while code found a conflict"
    evidence = fact_numbers | _all_numbers(" ".join(quotes[n] for n in ids))
    for forms in number_mentions(_MARKER.sub(" ", sentence)):
        if not forms & evidence:
            return f"states {_show(forms)}, which its citations do not"
    return None


def _all_numbers(text: str) -> set[float]:
    return {value for forms in number_mentions(_MARKER.sub(" ", text)) for value in forms}


def _show(forms: set[float]) -> str:
    value = max(forms)
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"
