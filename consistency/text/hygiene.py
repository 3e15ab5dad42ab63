"""Text from a source, made safe to store, compare and print.

Every source is untrusted. Invisible characters can hide words from the
instruction filter ("Ign\u200bore previous instructions") or turn a figure
into something else. Terminal escapes inside an article would clear a
reader's screen or retitle their window when `ask` prints a quote. So at
ingest the text is normalised (NFKC: full-width digits and ligatures
become what they look like), and zero-width, bidirectional and control
characters and terminal escape sequences are removed, before claims are
read or instructions filtered. What is stored, and so quoted, is this
cleaned text. Printers strip control characters again from anything they
show, for stores written before this cleaning.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ ... final (CSI), ESC ] ... BEL or ESC \ (OSC), and two-character ESC sequences.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
# Zero-width characters, joiners, bidirectional marks and embeddings, word joiner, BOM, soft hyphen,
# and Unicode tag characters (invisible, but read as ASCII by some models: a hidden instruction).
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
# C0 and C1 control characters other than tab and newline (carriage returns become newlines first).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Source text as it is stored: NFKC, no escapes, no invisible or
    control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return _CONTROLS.sub("", _INVISIBLE.sub("", text))


def printable(text: str) -> str:
    """Text safe to print on a terminal: escapes and control characters
    (other than newline and tab) removed."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r", "")))
