"""Files -> sources, passages and claims: find, read, decode, clean, split,
chunk, extract.

Nothing here touches the store; `Checker.ingest` hands the result to it.
Every problem with a file becomes an `InputError` with a one-line message.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .chunk import passage_spans
from .clean import ARTICLE_BREAK, split_articles
from .errors import InputError
from .claims import extract_claims
from .models import Passage, Source, StatedClaim

SUPPORTED_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}
METADATA_FILE = "metadata.json"
# Bumped when cleaning or chunking changes, so that re-ingest redoes old files.
PIPELINE_VERSION = "2"


@dataclass
class FileCandidate:
    path: Path
    explicit: bool  # named by the user, not found inside a folder


@dataclass
class ReadFile:
    path: Path
    sources: list[Source]
    passages: list[Passage]
    claims: list[StatedClaim]
    notes: list[str]


def find_files(paths: list[Path]) -> Iterator[FileCandidate]:
    """Files named directly, and supported files inside named folders
    (recursively; hidden entries are skipped). Missing paths raise."""
    for path in paths:
        if "\0" in str(path):  # Python 3.11's exists() raises on it instead of answering
            raise InputError(f"{str(path)!r}: not a usable path")
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                # A folder's README or LICENSE describes the folder; it is not an article.
                readme = child.stem.upper() in {"README", "LICENSE", "LICENCE", "CHANGELOG"}
                if child.is_file() and not hidden and not readme and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield FileCandidate(child, explicit=False)
        else:
            yield FileCandidate(path, explicit=True)


def file_hash(raw: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + raw).hexdigest()


def read_bytes(path: Path, max_mb: float) -> bytes:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; expected .txt, .md or .html")
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise InputError(f"{path}: file is {size / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB (--max-file-mb)")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if not raw.strip():
        raise InputError(f"{path}: file is empty")
    return raw


def decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """Text and notes. UTF-8 (with or without BOM), UTF-16 with BOM, then
    Windows-1252 (a superset of Latin-1's printable range) as a fallback."""
    if _looks_binary(raw):
        raise InputError(f"{path}: binary file, not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            return text, [f"{path}: not UTF-8; read as {encoding}"]
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: cannot decode as text")  # unreachable: latin-1 decodes anything


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\0" in head:
        return True
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return control > len(head) * 0.05


def to_plain_text(path: Path, text: str) -> str:
    """One paragraph per line, whatever the format."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm") or (suffix != ".md" and re.match(r"\s*<(!doctype|html)", text, re.I)):
        return html_to_text(text)
    if suffix in (".md", ".markdown"):
        return markdown_to_text(text)
    return text


class _HtmlText(HTMLParser):
    """Visible text of a page; blocks become lines, page chrome is skipped."""

    # <title> repeats the site name; the article's own heading is in the body.
    SKIP = {"script", "style", "noscript", "nav", "footer", "aside", "form", "iframe",
            "svg", "button", "figcaption", "figure", "template", "select", "menu", "title", "head"}
    BLOCK = {"p", "div", "section", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
             "blockquote", "tr", "table", "pre", "hr", "dd", "dt", "main", "body"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.articles = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "article":
            self.articles += 1
            self.parts.append(f"\n{ARTICLE_BREAK}\n")
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in ("br", "hr") and not self.skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "article":
            self.parts.append(f"\n{ARTICLE_BREAK}\n")
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # the stdlib parser is lenient; keep what it read
        pass
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip(" ") for line in "".join(parser.parts).split("\n"))
    return "\n".join(lines)


def markdown_to_text(text: str) -> str:
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # code blocks are not prose
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"^\s*([-*_]\s*){3,}$", "", text, flags=re.M)


def folder_metadata(folder: Path) -> dict[str, dict]:
    """Per-file title/outlet/published from a metadata.json beside the files."""
    meta_path = folder / METADATA_FILE
    if not meta_path.is_file():
        return {}
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{meta_path}: not valid JSON ({error})") from None
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
    articles = split_articles(to_plain_text(path, text), fallback_title=meta.get("title") or path.stem)
    if not articles:
        raise InputError(f"{path}: no article text found (only page furniture or markup)")
    content_hash = file_hash(raw)
    sources, passages, claims = [], [], []
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
        claims.extend(extract_claims(source))
    return ReadFile(path=path, sources=sources, passages=passages, claims=claims, notes=notes)


def _body(article) -> str:
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
