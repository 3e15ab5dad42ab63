"""Markup -> plain text with one paragraph per line, whatever the format
(HTML, Markdown or text). Page chrome that HTML marks as such (navigation,
scripts, captions) is skipped here; the rest of the boilerplate goes in
clean.py, by shape.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from .clean import ARTICLE_BREAK


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
    SKIP = frozenset(
        "script style noscript nav footer aside form iframe svg button figcaption figure template "
        "select menu title head".split()
    )
    BLOCK = frozenset("p div section br li ul ol h1 h2 h3 h4 h5 h6 blockquote tr table pre hr dd dt main body".split())

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
