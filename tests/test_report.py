"""The audit's HTML report, read as a fact-checker reads it: a linked list
of the conflicts, each quote under its outlet, title and date and linked to
its source file, the disputed values marked whole, nothing from the sources
run as markup; self-contained, and rendered by a real headless Chromium
(Debian's package; CI installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from consistency.models import AuditReport, Citation, Conflict, ConflictSide, SourceInfo
from consistency.server.report import audit_html

from .test_cli import run

VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        """Every descendant with this tag (and class), in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.classes):
                    found.append(child)
                found.extend(child.all(tag, cls))
        return found

    def one(self, tag: str, cls: str | None = None) -> Node:
        (node,) = self.all(tag, cls)
        return node


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        while len(self.open) > 1 and self.open.pop().tag != tag:
            pass

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def corpus_report(corpus_checker) -> tuple[AuditReport, Node]:
    report = corpus_checker.audit()
    return report, parse(audit_html(report, corpus_checker.sources()))


def marks(node: Node) -> list[str]:
    return [mark.text for mark in node.all("mark")]


def test_report_shows_each_conflict_with_its_sources_and_marked_figures(corpus_checker, corpus_report):
    report, page = corpus_report
    html_text = audit_html(report, corpus_checker.sources())
    assert html_text.startswith("<!doctype html>") and "http" not in html_text.split("<main>")[0]
    # Self-contained: no scripts, no stylesheets or images to fetch; links go to anchors or source files only.
    assert not page.all("script") and not page.all("link") and not page.all("img")
    assert all(a.attrs["href"].startswith(("#", "file:")) for a in page.all("a"))
    cards = page.all("section", "conflict")
    assert len(cards) == len(report.conflicts)
    everything = marks(page)
    assert "500 drones and missiles" in everything
    assert "539 Iran-designed drones" in everything and "11 cruise and ballistic missiles" in everything


def test_the_page_opens_with_a_linked_list_of_every_conflict(corpus_report):
    report, page = corpus_report
    main = page.one("main")
    contents = main.children[0]
    assert isinstance(contents, Node) and contents.tag == "nav"
    cards = main.all("section", "conflict")
    assert [a.attrs["href"] for a in contents.all("a")] == [f"#{card.attrs['id']}" for card in cards]
    for link, conflict in zip(contents.all("a"), report.conflicts, strict=True):
        assert conflict.summary in link.text
    assert len({card.attrs["id"] for card in cards}) == len(cards)


def test_each_quote_names_its_outlet_title_and_date_and_links_its_source_file(corpus_checker, corpus_report):
    report, page = corpus_report
    infos = {info.id: info for info in corpus_checker.sources()}
    citations = {c.quote: c for c in report.citations}
    quotes = page.all("figure", "quote")
    assert {c.quote for c in report.citations} == {q.one("blockquote").text for q in quotes}
    for quote in quotes:
        citation = citations[quote.one("blockquote").text]
        info = infos[citation.source]
        caption = quote.one("figcaption")
        assert caption.one("span", "outlet").text == info.outlet
        title = caption.one("a", "title")
        assert title.text == citation.title and title.attrs["href"] == Path(info.path).as_uri()
        assert caption.one("time").text == info.published
    # The sides' columns, in the order the heading names them.
    for card, conflict in zip(page.all("section", "conflict"), report.conflicts, strict=True):
        assert [side.one("h3").text for side in card.all("div", "side")] == [s.value for s in conflict.sides]


def test_a_sentence_stating_both_classes_is_shown_once(corpus_report):
    report, page = corpus_report
    (number,) = [n for n, c in enumerate(report.conflicts) if c.kind == "qualitative"]
    card = page.all("section", "conflict")[number]
    shown = [quote.one("blockquote").text for quote in card.all("figure", "quote")]
    assert shown and len(shown) == len(set(shown))
    (together,) = card.all("div", "shared")
    assert "both values" in together.one("h3").text
    assert {"intercontinental ballistic missile", "intermediate-range missile"} <= set(marks(together))
    for side in card.all("div", "side"):
        assert not side.all("figure")


def test_a_bracketed_figure_is_marked_as_one_span(corpus_report):
    _, page = corpus_report
    figure = "83 Russian (and Iranian imported) missiles"
    (quote,) = [q for q in page.all("blockquote") if figure in q.text]
    assert marks(quote) == [figure]


def test_source_text_is_shown_as_text_never_run():
    hostile = "<script>alert(1)</script>"
    citation = Citation(
        id=1, source="evil", title=f'Title"><b>{hostile}', quote=f"They fired 500 drones {hostile}", start=0, end=9
    )
    plain = Citation(id=2, source="other", title="Plain", quote="They fired 300 drones.", start=0, end=9)
    conflict = Conflict(
        kind="numeric",
        severity="major",
        summary=f"drones {hostile}: 300 drones vs 500 drones",
        explanation=hostile,
        sides=[
            ConflictSide(value="300 drones", citations=[2]),
            ConflictSide(value=f"500 drones{hostile}", citations=[1]),
        ],
    )
    report = AuditReport(conflicts=[conflict], citations=[plain, citation], sources=2, claims=2, seconds=0.0)
    infos = [
        SourceInfo(
            id="evil",
            title="t",
            outlet=f"<img src=x onerror=alert(1)>{hostile}",
            published=hostile,
            path="javascript:alert(1)",
            chunks=1,
        ),
        SourceInfo(id="other", title="Plain", outlet=None, published=None, path="", chunks=1),
    ]
    page = parse(audit_html(report, infos))
    assert not page.all("script") and not page.all("img") and not page.all("b")
    assert f"They fired 500 drones {hostile}" in [q.text for q in page.all("blockquote")]
    assert hostile in page.one("section").one("h2").text and hostile in page.one("a", "title").text
    assert {urlsplit(a.attrs["href"]).scheme for a in page.all("a")} <= {"", "file"}  # no javascript: link
    # A source without a stored path: its title, unlinked; unknown outlet and date said so.
    (unlinked,) = [q for q in page.all("figure") if "300 drones" in q.text]
    assert unlinked.one("span", "title").text == "Plain" and not unlinked.all("a")
    assert "outlet unknown" in unlinked.text and "date unknown" in unlinked.text


@pytest.mark.slow
def test_audit_command_writes_the_report_and_prints_json(tmp_path):
    store, page = tmp_path / "s", tmp_path / "audit.html"
    from .conftest import CORPUS

    assert run("ingest", str(CORPUS), "--store", str(store)).returncode == 0
    result = run("audit", "--store", str(store), "--html", str(page), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["conflicts"] and report["claims"] > 50
    assert page.read_text(encoding="utf-8").count('class="conflict"') == len(report["conflicts"])
    checked = json.loads(
        run(
            "check", "Russia launched 100 drones in the record overnight attack", "--store", str(store), "--json"
        ).stdout
    )
    assert checked["verdict"] == "contradicted" and checked["citations"]
    unwritable = run("audit", "--store", str(store), "--html", str(tmp_path / "no" / "such" / "dir" / "a.html"))
    assert unwritable.returncode != 0 and "cannot write" in unwritable.stderr and "Traceback" not in unwritable.stderr


@pytest.mark.slow
def test_report_renders_in_headless_chromium(corpus_checker, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CONSISTENCY_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    page = tmp_path / "audit.html"
    page.write_text(audit_html(corpus_checker.audit(), corpus_checker.sources()), encoding="utf-8")
    shot = tmp_path / "audit.png"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000  # a rendered page of text and colour, not a blank image
