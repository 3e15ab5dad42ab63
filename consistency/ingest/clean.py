"""Web-page text -> articles: strip boilerplate, split multi-article pages.

Input is text with one paragraph per line, as saved from the web (or as the
HTML reader produces). Boilerplate is recognised by shape rather than by a
list of sites: lines that repeat on the page (section labels, "Published"),
tail blocks (related articles, comment widgets), sign-up prompts, and photo
captions (a caption line followed by the same line with a credit).
A page holding several articles is split where a run of chrome lines and a
title line comes between two bodies of text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# A line by itself marks an article boundary (the HTML reader emits it
# between <article> elements).
ARTICLE_BREAK = "\f"

_PROMPT_PATTERNS = [
    r"continue reading",
    r"read more",
    r"published",
    r"on",
    r"connect with us",
    r"back to top( button)?",
    r"start reading",
    r"share( this( article)?)?",
    r"advertisement",
    r"download the app",
    r"our picks",
    r"fourteen days free",
    r"one app\.?",
    r"\(\)",
    r"x",
    r"\d+",
    r"visited \d+ times.*",
    r"would love your thoughts.*",
    r"your email address will not be published.*",
    r"unlock the .*newsletter.*",
    r"get all your news in one place\.?",
    r"\d+.s of premium titles\.?",
    r"one subscription that gives you access.*",
    r"read news from \d+.s of titles.*",
    r"\d+\+ trusted global sources\.?",
    r"one app\. one membership\.?",
    r"already a member\?.*",
    r"sign in( here)?",
    r"subscribe( now)?.*",
    r"sign up (for|to) .*",
    r"top stories on .*",
    r"follow us.*",
    r"skip to (main )?content",
    r"(cookie|privacy) (policy|settings).*",
]
_PROMPT = re.compile(r"^(?:" + "|".join(_PROMPT_PATTERNS) + r")$", re.IGNORECASE)

# Everything from one of these to the end of the page is not the article.
_TAIL = re.compile(
    r"^(source link|related articles?|related stories|related posts|more from author"
    r"|leave a reply|most viewed|sign up to read this article|you may also like"
    r"|recommended( for you)?|comments?)$",
    re.IGNORECASE,
)

# "Firefighters at work ... near Lyon (Reuters)": a caption with a credit.
_CAPTION_CREDIT = re.compile(r"\((?:[^()]{0,60})\)\s*$")
_SENTENCE_END = re.compile(r"[.!?…\"”’']\s*$")

BODY_MIN_WORDS = 12
TITLE_MIN_WORDS = 4
SHORT_LINE_WORDS = 25


@dataclass
class Article:
    title: str
    text: str  # the title first, then the body paragraphs, separated by blank lines


def split_articles(text: str, fallback_title: str) -> list[Article]:
    """The articles on a page, each without boilerplate. Empty if none."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # str.strip() would eat the form feed that marks an article break.
    lines = [ARTICLE_BREAK if line.strip(" \t") == ARTICLE_BREAK else line.strip() for line in raw_lines]
    lines = _cut_tail(lines)
    segments = _segments(lines, _classify(lines))
    return _assemble(segments, fallback_title)


def _words(line: str) -> int:
    return len(line.split())


def _is_title_like(line: str) -> bool:
    """Headlines have no full stop; those that end in '?' are in Title Case."""
    words = line.split()
    if not words or len(words) > SHORT_LINE_WORDS:
        return False
    if not _SENTENCE_END.search(line):
        return True
    capitalised = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return line.rstrip().endswith("?") and capitalised / len(words) >= 0.6


def _is_body(line: str) -> bool:
    return not _is_title_like(line) and _words(line) >= BODY_MIN_WORDS // 2


def _cut_tail(lines: list[str]) -> list[str]:
    seen_body = False
    for i, line in enumerate(lines):
        if seen_body and _TAIL.match(line):
            return lines[:i]
        seen_body = seen_body or _is_body(line)
    return lines


def _is_caption(line: str) -> bool:
    if not _CAPTION_CREDIT.search(line) or _words(line) > 35:
        return False
    before_credit = line[: line.rfind("(")].rstrip()
    return not before_credit or not _SENTENCE_END.search(before_credit)


CONTENT, SEPARATOR, DROPPED = "content", "separator", "dropped"


def _classify(lines: list[str]) -> list[str]:
    """Each line is article content, a separator (page furniture between
    articles: repeated labels, prompts, article breaks) or dropped in place
    (blank lines and photo captions, which sit inside an article)."""
    repeats = Counter(line for line in lines if line and _words(line) <= 6)
    kinds = []
    for i, line in enumerate(lines):
        following = next((nxt for nxt in lines[i + 1 : i + 3] if nxt), "")
        if line == ARTICLE_BREAK or _PROMPT.match(line) or (line and repeats[line] >= 2):
            kinds.append(SEPARATOR)
        elif (
            not line
            or _is_caption(line)
            # The bare caption just before its credited twin.
            or (following.startswith(line) and following != line and _is_caption(following))
        ):
            kinds.append(DROPPED)
        else:
            kinds.append(CONTENT)
    return kinds


def _segments(lines: list[str], kinds: list[str]) -> list[list[str]]:
    """Runs of content lines between separators."""
    segments: list[list[str]] = [[]]
    for line, kind in zip(lines, kinds, strict=True):
        if kind == CONTENT:
            segments[-1].append(line)
        elif kind == SEPARATOR and segments[-1]:
            segments.append([])
    return [s for s in segments if s]


def _title_of(lines: list[str]) -> str | None:
    candidates = [line for line in lines if not _is_body(line) and _words(line) <= SHORT_LINE_WORDS]
    titled = [line for line in candidates if _words(line) >= TITLE_MIN_WORDS]
    chosen = titled or candidates
    return chosen[-1] if chosen else None


def _assemble(segments: list[list[str]], fallback_title: str) -> list[Article]:
    """The short lines that open a segment are its header: the last
    title-like one names a new article (bylines and kickers go). A segment
    of header only names the next one. A segment with no header continues
    the current article."""
    articles: list[tuple[str, list[str]]] = []
    pending_title: str | None = None
    for segment in segments:
        first_body = next((i for i, line in enumerate(segment) if _is_body(line)), None)
        header = segment if first_body is None else segment[:first_body]
        title = pending_title or _title_of(header)
        if first_body is None:
            pending_title = title
            continue
        body = segment[first_body:]
        if title is not None or not articles:
            articles.append((title or fallback_title, body))
        else:
            articles[-1][1].extend(segment)
        pending_title = None
    return [Article(title=title, text="\n\n".join([title, *body])) for title, body in articles]
