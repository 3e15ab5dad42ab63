"""Source text -> passages: sentence spans packed into embedding-sized chunks.

Every span is (start, end) into the source text, so a passage or a sentence
quoted from it is always a verbatim slice that can be checked later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

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

MAX_PASSAGE_TOKENS = 100  # wordpieces; small passages keep one topic, so their vectors stay sharp
MIN_TOKENS_BEFORE_PARAGRAPH_BREAK = 20


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


def passage_spans(text: str, count_tokens: Callable[[str], int]) -> list[tuple[int, int]]:
    """Greedy packing of whole sentences into spans of at most
    MAX_PASSAGE_TOKENS wordpieces, preferring to break at paragraphs."""
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    current_tokens = 0
    for start, end in _bounded_sentences(text, count_tokens):
        tokens = count_tokens(text[start:end])
        new_paragraph = current is not None and "\n" in text[current[1] : start]
        too_big = current_tokens + tokens > MAX_PASSAGE_TOKENS
        if current is not None and (too_big or (new_paragraph and current_tokens >= MIN_TOKENS_BEFORE_PARAGRAPH_BREAK)):
            spans.append(current)
            current, current_tokens = None, 0
        current = (start, end) if current is None else (current[0], end)
        current_tokens += tokens
    if current is not None:
        spans.append(current)
    return spans


def _bounded_sentences(text: str, count_tokens: Callable[[str], int]) -> Iterator[tuple[int, int]]:
    """Sentences, with any longer than a passage cut at word boundaries."""
    for start, end in sentence_spans(text):
        if count_tokens(text[start:end]) <= MAX_PASSAGE_TOKENS:
            yield start, end
            continue
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        piece_start = 0
        while piece_start < len(words):
            piece_end = min(len(words), piece_start + MAX_PASSAGE_TOKENS // 2)
            # Shrink until it fits: long "words" (URLs, numbers) cost many wordpieces.
            while piece_end - piece_start > 1 and count_tokens(text[words[piece_start][0] : words[piece_end - 1][1]]) > MAX_PASSAGE_TOKENS:
                piece_end = piece_start + (piece_end - piece_start) // 2
            yield words[piece_start][0], words[piece_end - 1][1]
            piece_start = piece_end
