"""Source text -> passages: sentence spans packed into embedding-sized chunks.

Every span is (start, end) into the source text, so a passage quoted from it
is always a verbatim slice that can be checked later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ..text.sentences import sentence_spans

MAX_PASSAGE_TOKENS = 100  # wordpieces; small passages keep one topic, so their vectors stay sharp
MIN_TOKENS_BEFORE_PARAGRAPH_BREAK = 20


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
            while (
                piece_end - piece_start > 1
                and count_tokens(text[words[piece_start][0] : words[piece_end - 1][1]]) > MAX_PASSAGE_TOKENS
            ):
                piece_end = piece_start + (piece_end - piece_start) // 2
            yield words[piece_start][0], words[piece_end - 1][1]
            piece_start = piece_end
