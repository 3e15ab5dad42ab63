"""Text -> sentences, each a (start, end) span into the text.

One splitter for every caller: chunking at ingest, the sentences an answer
quotes, the statements of an LLM's draft and of an explanation. Spans are
offsets into the original string, so a sentence quoted from a source is
always a verbatim slice that can be checked later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "maj", "lt", "col", "sgt", "capt", "cpt", "adm",
    "gov", "sen", "rep", "st", "mt", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jr", "sr",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "n", "s", "approx", "est", "fig",
}
# A candidate boundary: terminal punctuation, closing quotes/brackets, space.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9]")

def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], whitespace trimmed.
    Paragraph breaks (newlines) always end a sentence."""
    end = len(text) if end is None else end
    spans = []
    for line_start, line_end in _lines(text, start, end):
        spans.extend(_sentences_in_line(text, line_start, line_end))
    return spans


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for match in re.finditer(r"[^\n]+", text[start:end]):
        yield start + match.start(), start + match.end()


def _sentences_in_line(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    line = text[start:end]
    sentence_start = 0
    for match in _BOUNDARY.finditer(line):
        if not _NEXT_STARTS_SENTENCE.match(line, match.end()) or _is_abbreviation(line, match.start()):
            continue
        yield _trimmed(text, start + sentence_start, start + match.end())
        sentence_start = match.end()
    if line[sentence_start:].strip():
        yield _trimmed(text, start + sentence_start, end)


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = re.search(r"[\w.]+$", line[:dot])
    if not word:
        return False
    token = word.group().lower()
    # Single initials ("J. Smith") and known abbreviations ("Maj. Gen.").
    return (len(token) == 1 and token.isalpha()) or token in _ABBREVIATIONS


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# A sentence ends at . ! ? (and any markers right after it) before a capital.
# Not after an initial or abbreviation: "U.S. Secretary", "Antony J. Blinken", "Mr. Trump".
_SENTENCE_END = re.compile(
    r"(?<!\.[A-Z])(?<!\b[A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bGen)(?<!\bSen)(?<!\bRep)(?<!\bGov)(?<!\bJr)(?<!\bNo)"
    r"[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s+[\"“(A-Z])"
)


def split_sentences(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]
