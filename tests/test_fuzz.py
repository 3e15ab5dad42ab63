"""Random pages through the whole path a user's file takes: HTML, Markdown
and plain text made of odd markup, control and invisible characters, lone
surrogates where a file can hold them (UTF-16 code units, invalid UTF-8,
character references), full-width digits, numbers and very long words,
written in several encodings, then ingested, asked about, checked and
audited. Hand-written cases cover the forms we thought of; this finds the
ones we did not.

What must hold for every example: no exception escapes except the
project's own one-line errors for genuinely bad input (an empty question, a
lone surrogate in a question), a file that cannot be read fails alone with
a one-line reason, and every citation is verbatim (`quote ==
stored_text[start:end]`) and free of control, escape and invisible
characters. One real store for the module, the real embedding model.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from consistency import Checker
from consistency.errors import ConsistencyError
from consistency.models import Citation

EXAMPLES = 30

# What cleaning removes before text is stored (consistency/text/hygiene.py):
# C0/C1 controls but tab and newline, zero-width and bidi marks, BOM.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

ODD_CHARACTERS = [
    *"\x00\x01\x07\x08\x0b\x0c\x0d\x1b\x7f\x85\x9b",
    *"\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2066\u2069\ufeff",
    *"\ud800\udbff\udc00\udfff",  # lone surrogates: UTF-16 and invalid UTF-8 can carry them
    *"\uff11\uff12\uff10\ufb01\u2474\u00bd\u0301\u0663",  # full-width digits, ligature, ①-like, ½, combining, Arabic 3
    "\x1b[2J",
    "\x1b]0;owned\x07",
    "\U0001f600",
    "\u4e2d\u6587",
    "&amp;",
    "&#x1b;",
    "&#0;",
    "&#xd800;",
    "&nbsp;",
    "<",
    ">",
    "]]>",
    "<!--",
    "-->",
]


class Page(BaseModel):
    """One generated file: its name, bytes and what a question can ask of it."""

    name: str
    raw: bytes
    topic: str


class Tally(BaseModel):
    """What the fuzz run went through, for the assertions that it did
    something and for the figures in RELIABILITY.md."""

    examples: int = 0
    files: int = 0
    failed_files: int = 0
    failed_because: dict[str, int] = {}
    user_errors: int = 0
    citations: int = 0


def words() -> st.SearchStrategy[str]:
    letters = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
    numbers = st.integers(-(10**12), 10**12).map(lambda n: f"{n:,}" if n % 3 else str(n))
    decimals = st.floats(0, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}")
    long_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=200, max_size=3000)
    return st.one_of(letters, numbers, decimals, st.sampled_from(ODD_CHARACTERS), long_word, st.just("ships"))


@st.composite
def paragraph(draw) -> str:
    return " ".join(draw(st.lists(words(), min_size=1, max_size=25))) + draw(st.sampled_from([".", "!", "?", "", ":"]))


@st.composite
def html_page(draw, paragraphs: list[str]) -> str:
    tags = ["p", "div", "article", "li", "h1", "script", "nav", "span", "b", "table", "td", "pre", "figcaption"]
    parts = [draw(st.sampled_from(["", "<!doctype html>", "<html><body>", "<html"]))]
    for text in paragraphs:
        tag = draw(st.sampled_from(tags))
        attrs = draw(st.sampled_from(["", ' class="x"', " data-x='\"<>'", " style=", " onload=alert(1)"]))
        close = draw(st.sampled_from([f"</{tag}>", "", "</p></div>", "<br/>", "<!-- unclosed"]))
        parts.append(f"<{tag}{attrs}>{text}{close}")
    return "\n".join(parts)


@st.composite
def markdown_page(draw, paragraphs: list[str]) -> str:
    marks = ["# ", "## ", "> ", "- ", "1. ", "", "**", "```\n", "| a | b |\n|---|---|\n| ", "![x](", "[link]("]
    return "\n\n".join(draw(st.sampled_from(marks)) + text for text in paragraphs)


@st.composite
def pages(draw) -> list[Page]:
    """One to three files of random formats and encodings."""
    found = []
    for _ in range(draw(st.integers(1, 3))):
        topic = draw(st.sampled_from(["harbour", "bridge", "flood", "drones"]))
        body = draw(st.lists(paragraph(), min_size=0, max_size=6))
        # Most pages also say something askable, so that answers cite.
        anchor = f"Officials said {draw(st.integers(0, 10**6))} ships reached the {topic} on Monday."
        paragraphs = body + ([anchor] if draw(st.booleans()) or not body else [])
        paragraphs = draw(st.permutations(paragraphs))
        suffix = draw(st.sampled_from([".html", ".md", ".txt"]))
        text = (
            draw(html_page(paragraphs))
            if suffix == ".html"
            else draw(markdown_page(paragraphs))
            if suffix == ".md"
            else "\n\n".join(paragraphs)
        )
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "empty"]))
        found.append(Page(name=f"{topic}{suffix}", raw=_encode(text, encoding), topic=topic))
    return found


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "empty":
        return b" \n\t "
    if encoding == "cp1252":
        return text.encode("cp1252", errors="replace")
    # Lone surrogates go in as they are: invalid UTF-8 bytes, or unpaired UTF-16 code units.
    return text.encode(encoding, errors="surrogatepass")


@pytest.fixture(scope="module")
def fuzz_checker(tmp_path_factory) -> Checker:
    checker = Checker(store=tmp_path_factory.mktemp("fuzz-store"))
    yield checker
    checker.close()


def assert_citations_verbatim(checker: Checker, citations: list[Citation]) -> None:
    for citation in citations:
        source = checker.source(citation.source)
        assert source is not None, citation
        assert source.text[citation.start : citation.end] == citation.quote, citation
        assert not FORBIDDEN.search(citation.quote), ascii(citation.quote)
        assert not any(unicodedata.category(c) == "Cs" for c in citation.quote), ascii(citation.quote)


def user_error_or(call, tally: Tally):
    """The call's result, or None when it ended in the project's own
    one-line error. Anything else (a traceback) fails the test."""
    try:
        return call()
    except ConsistencyError as error:
        assert str(error) and "\n" not in str(error), repr(error)
        tally.user_errors += 1
        return None


@pytest.mark.slow
def test_random_pages_and_questions_never_raise_and_every_citation_is_verbatim(fuzz_checker, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-pages")
    folders = (root / f"run-{n}" for n in itertools.count())
    tally = Tally()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a figure to report, a failure to reproduce
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(files=pages(), question=paragraph())
    def one_example(files: list[Page], question: str) -> None:
        folder = next(folders)
        for index, page in enumerate(files):
            target = folder / f"{index}-{page.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.raw)
        report = fuzz_checker.ingest([folder])  # a bad file fails alone; nothing raises
        assert len(report.files) == len(files)
        for result in report.failed:
            assert result.error and "\n" not in result.error and "Traceback" not in result.error, result
            reason = result.error.split(": ", 1)[-1]
            tally.failed_because[reason] = tally.failed_because.get(reason, 0) + 1
        tally.files += len(files)
        tally.failed_files += len(report.failed)
        for asked in (f"How many ships reached the {files[0].topic}?", question):
            answer = user_error_or(lambda q=asked: fuzz_checker.ask(q), tally)
            if answer is not None:
                assert_citations_verbatim(fuzz_checker, answer.citations)
                tally.citations += len(answer.citations)
        verdict = user_error_or(lambda: fuzz_checker.check(f"{question} ships reached the {files[0].topic}"), tally)
        if verdict is not None:
            assert_citations_verbatim(fuzz_checker, verdict.citations)
            tally.citations += len(verdict.citations)
        tally.examples += 1

    one_example()
    audit = fuzz_checker.audit()
    assert_citations_verbatim(fuzz_checker, audit.citations)
    assert fuzz_checker.verify().ok
    print(f"\nfuzz: {tally.model_dump()}")
    assert tally.examples >= EXAMPLES and tally.citations > 0 and tally.files > tally.failed_files > 0
