"""A file -> its sources (one per article on the page) and their passages.

Metadata (title, outlet, date) comes from a metadata.json beside the file;
claims are not read here: the pipeline hands each source to the claim
extractor it was given.
"""

from __future__ import annotations

import functools
import json
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..models import Passage, Source, StatedClaim
from ..text.hygiene import clean_text
from .chunk import passage_spans
from .clean import Article, split_articles
from .files import decode, file_hash, read_bytes
from .markup import to_plain_text

METADATA_FILE = "metadata.json"


@dataclass
class ReadFile:
    """One file's articles, chunked; `claims` are filled by the pipeline's extractor."""

    path: Path
    sources: list[Source]
    passages: list[Passage]
    notes: list[str]
    claims: list[StatedClaim] = field(default_factory=list)


def folder_metadata(folder: Path) -> dict[str, dict]:
    """Per-file title/outlet/published from a metadata.json beside the files.
    An archive's folder may hold tens of thousands of files and one
    metadata.json for all: it is parsed once, not once per file, and again
    only when it changes."""
    meta_path = folder / METADATA_FILE
    try:
        found = meta_path.stat()
    except OSError:
        return {}
    if not stat.S_ISREG(found.st_mode):
        return {}
    return _parsed_metadata(meta_path, found.st_mtime_ns, found.st_size)


@functools.lru_cache(maxsize=16)
def _parsed_metadata(meta_path: Path, mtime_ns: int, size: int) -> dict[str, dict]:
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{meta_path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputError(f"{meta_path}: expected an object of file names, found {type(data).__name__}")
    return {name: fields for name, fields in data.items() if isinstance(fields, dict)}


def read_file(
    path: Path,
    base_id: str,
    count_tokens: Callable[[str], int],
    max_mb: float,
) -> ReadFile:
    """One file as its sources (one per article on the page) and passages."""
    raw = read_bytes(path, max_mb)
    text, notes = decode(path, raw)
    meta = folder_metadata(path.parent).get(path.name, {})
    articles = split_articles(clean_text(to_plain_text(path, text)), fallback_title=meta.get("title") or path.stem)
    if not articles:
        raise InputError(f"{path}: no article text found (only page furniture or markup)")
    content_hash = file_hash(raw)
    sources: list[Source] = []
    passages: list[Passage] = []
    for number, article in enumerate(articles, start=1):
        # A single-article page takes the curated title; parts keep their own.
        title = meta.get("title") if len(articles) == 1 and meta.get("title") else article.title
        text_ = article.text if title == article.title else f"{title}\n\n{_body(article)}"
        source = Source(
            id=base_id if len(articles) == 1 else f"{base_id}#{number}",
            title=title,
            outlet=meta.get("outlet"),
            published=meta.get("published"),
            path=str(path.resolve()),
            text=text_,
            content_hash=content_hash,
        )
        sources.append(source)
        passages.extend(make_passages(source, count_tokens))
    return ReadFile(path=path, sources=sources, passages=passages, notes=notes)


def _body(article: Article) -> str:
    return article.text[len(article.title) :].lstrip("\n")


def make_passages(source: Source, count_tokens: Callable[[str], int]) -> list[Passage]:
    return [
        Passage(
            id=f"{source.id}@{source.content_hash[:12]}:{index}",
            source_id=source.id,
            title=source.title,
            start=start,
            end=end,
            text=source.text[start:end],
            published=source.published,
        )
        for index, (start, end) in enumerate(passage_spans(source.text, count_tokens))
    ]
