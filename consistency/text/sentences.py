"""Text -> sentences, each a (start, end) span into the text.

One splitter for every caller: chunking at ingest, the sentences an answer
quotes, the statements of an LLM's draft and of an explanation. It is NLTK's
Punkt (English parameters, which ship inside llama-index-core, so nothing
is downloaded), run paragraph by paragraph: a line break always ends a
sentence. Spans are offsets into the original string, so a sentence quoted
from a source is always a verbatim slice that can be checked later.
"""

from __future__ import annotations

import os
import re
import threading
from functools import cache

# Abbreviations Punkt's English parameters lack: "No. 10", "the E.U.".
_EXTRA_ABBREVIATIONS = {"no", "nos", "vs", "approx", "est", "fig", "e.u", "u.a.e", "st", "gov", "sen", "rep", "rev"}
# [n] markers that open a sentence belong to the one before ("... drones. [2] Another ...").
_LEADING_MARKERS = re.compile(r"^(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+")
_LOCK = threading.Lock()


@cache
def _punkt():
    """Punkt with its English parameters, loaded once (about 0.4 s, mostly importing nltk)."""
    with _LOCK:
        import llama_index.core
        import nltk

        bundled = os.path.join(os.path.dirname(llama_index.core.__file__), "_static", "nltk_cache")
        if bundled not in nltk.data.path:
            nltk.data.path.insert(0, bundled)
        from nltk.tokenize.punkt import PunktTokenizer

        tokenizer = PunktTokenizer("english")
        tokenizer._params.abbrev_types.update(_EXTRA_ABBREVIATIONS)
        return tokenizer


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        offset = start + line.start()
        for first, last in _punkt().span_tokenize(line.group()):
            spans.append(_trimmed(text, offset + first, offset + last))
    return [(first, last) for first, last in spans if last > first]


def sentence_before(text: str, start: int) -> str:
    """The sentence that ends before `start` (a fact often leans on it)."""
    spans = sentence_spans(text, max(0, start - 600), start)
    return text[spans[-1][0] : spans[-1][1]] if spans else ""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[str]:
    """The statements of a written answer or explanation, each keeping the
    [n] markers written after its full stop."""
    sentences: list[str] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        markers = _LEADING_MARKERS.match(sentence)
        if markers and sentences:
            sentences[-1] = f"{sentences[-1]} {markers.group().strip()}"
            sentence = sentence[markers.end() :]
        if sentence.strip():
            sentences.append(sentence.strip())
    return sentences
