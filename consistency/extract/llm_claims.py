"""Passages -> qualitative claims read by the LLM (`ingest --extract llm`).

Rules find amounts well and kinds of things poorly; the LLM reads one
passage at a time into schema-constrained JSON (what is described, what it
is said to be, who says so, the exact words). Code keeps only what it can
verify: the quote must be verbatim in the passage and the value must be in
the quote. Replies are cached on disk by model, prompt versions and passage
text, so a re-run costs nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..config import cache_dir
from ..llm.backends import LLM, Message, parse_json
from ..llm.prompts import load
from ..models import Passage, Source, StatedClaim
from ..text.dates import find_event_date
from ..text.sentences import sentence_spans
from ..text.terms import terms
from .claims import RuleExtractor, find_claimant, find_places, stated_claim

# Enough for the longest reply the schema allows, even at a token per character.
MAX_EXTRACT_TOKENS = 1100
SCHEMA = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "maxItems": 3,
            # Bounded strings: a rambling model still closes its JSON within
            # MAX_EXTRACT_TOKENS.
            "items": {
                "type": "object",
                "properties": {
                    "quote": {"type": "string", "maxLength": 200},
                    "attribute": {"type": "string", "maxLength": 40},
                    "value": {"type": "string", "maxLength": 60},
                    "claimant": {"anyOf": [{"type": "string", "maxLength": 60}, {"type": "null"}]},
                },
                "required": ["quote", "attribute", "value", "claimant"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["claims"],
    "additionalProperties": False,
}
# Values that state nothing one could contradict.
_EMPTY_VALUES = re.compile(
    r"^(unknown|unclear|not (specified|stated|known|given)|none|n/?a|null|unnamed|unidentified)$", re.I
)
# "type", "kind", "class" of something are one attribute.
_KIND_WORDS = {
    "type",
    "types",
    "class",
    "classes",
    "kind",
    "kinds",
    "category",
    "categories",
    "sort",
    "variant",
    "model",
}
_FILLER = {"of", "the", "a", "an", "its", "their", "what", "which"}


class ExtractedItem(BaseModel):
    quote: str
    attribute: str
    value: str
    claimant: str | None = None


class Extraction(BaseModel):
    claims: list[ExtractedItem] = []


class ExtractionCache:
    """Model replies by key, in SQLite under the user's cache folder."""

    def __init__(self, path: Path | None = None):
        self.path = path or cache_dir() / "extractions.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, reply: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, reply))


class ClaimReader:
    """Reads passages with one LLM; counts model calls and cache hits."""

    def __init__(self, llm: LLM, cache: ExtractionCache | None = None):
        self.llm = llm
        self.cache = cache or ExtractionCache()
        self.system, self.user = load("extract.system"), load("extract.user")
        self.calls = 0
        self.cached = 0
        self.failures = 0

    @property
    def label(self) -> str:
        """What the extraction depends on, recorded with the stored source."""
        return f"{self.llm.label}/{self.user.label}/{self.system.version}"

    def read(
        self, source: Source, passages: list[Passage], on_passage: Callable[[], None] | None = None
    ) -> list[StatedClaim]:
        claims: list[StatedClaim] = []
        for passage in passages:
            for item in self._items(source.title, source.text[passage.start : passage.end]):
                claim = _verified_claim(source, passage, item)
                if claim is not None and claim.id not in {c.id for c in claims}:
                    claims.append(claim)
            if on_passage:
                on_passage()
        return claims

    def _items(self, title: str, passage: str) -> list[ExtractedItem]:
        key = hashlib.sha256(f"{self.label}\0{title}\0{passage}".encode()).hexdigest()
        reply = self.cache.get(key)
        if reply is None:
            messages = [
                Message(role="system", content=self.system.fill()),
                Message(role="user", content=self.user.fill(title=title, passage=passage)),
            ]
            reply = self.llm.chat(messages, max_tokens=MAX_EXTRACT_TOKENS, schema=SCHEMA).text
            self.calls += 1
            self.cache.put(key, reply)
        else:
            self.cached += 1
        try:
            return Extraction.model_validate(parse_json(reply)).claims
        except (ValueError, ValidationError):
            # A reply cut off at the token limit or off-schema yields nothing.
            self.failures += 1
            return []


class LLMExtractor:
    """The rules' claims plus the LLM's verified qualitative ones (a class
    the rules already found in a sentence is not added twice): the
    `ClaimExtractor` of `ingest --extract llm`."""

    def __init__(self, llm: LLM, on_passage: Callable[[], None] | None = None, cache: ExtractionCache | None = None):
        self.reader = ClaimReader(llm, cache)
        self.rules = RuleExtractor()
        self.on_passage = on_passage

    @property
    def label(self) -> str:
        return self.reader.label

    def extract(self, source: Source, passages: list[Passage]) -> list[StatedClaim]:
        claims = self.rules.extract(source, passages)
        known = {(c.start, c.category) for c in claims if c.kind == "qualitative"}
        for claim in self.reader.read(source, passages, self.on_passage):
            if (claim.start, claim.category) not in known:
                claims.append(claim)
        return claims


def _verified_claim(source: Source, passage: Passage, item: ExtractedItem) -> StatedClaim | None:
    """The item as a claim, if its quote is in the passage and its value in
    the quote; None otherwise."""
    position = _find(source.text, item.quote.strip(), passage.start, passage.end)
    value = item.value.strip().strip(".")
    if position is None or not value or _EMPTY_VALUES.match(value) or not _contains(item.quote, value):
        return None
    attribute = measure_name(item.attribute)
    if not attribute:
        return None
    sentence = next(
        ((s, e) for s, e in sentence_spans(source.text, passage.start, passage.end) if s <= position < e), None
    )
    if sentence is None:
        return None
    start, end = sentence
    text = source.text[start:end]
    claimant = (
        item.claimant.strip() if item.claimant and _contains(text, item.claimant.strip()) else find_claimant(text)
    )
    claim = stated_claim(
        source,
        start,
        end,
        position - start,
        attribute,
        kind="qualitative",
        category=_category(value),
        claimant=claimant,
    )
    claim.places = sorted(find_places(text))
    claim.event_date = find_event_date(text)
    claim.source_places = sorted(find_places(source.text))
    return claim


def measure_name(attribute: str) -> str:
    """A comparable name for an attribute: "type of missile", "missile
    type" and "class of missile" are one."""
    names = set()
    for word in re.findall(r"[a-z]+", attribute.lower()):
        if word in _KIND_WORDS:
            names.add("type")
        elif word not in _FILLER:
            names.update(terms(word) or [word])
    return " ".join(sorted(names))


def _category(value: str) -> str:
    return re.sub(r"^(an?|the)\s+", "", re.sub(r"\s+", " ", value.lower())).strip()


def _contains(text: str, part: str) -> bool:
    squash = lambda s: re.sub(r"\s+", " ", s).casefold()  # noqa: E731
    return squash(part) in squash(text)


def _find(text: str, quote: str, start: int, end: int) -> int | None:
    """Where the quote starts in text[start:end]: exactly, else ignoring
    case and runs of whitespace."""
    if not quote:
        return None
    exact = text.find(quote, start, end)
    if exact >= 0:
        return exact
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.compile(pattern, re.IGNORECASE).search(text, start, end)
    return match.start() if match else None
