"""The web page of `consistency serve --http`, used as a person uses it: a
real server process on a real store, driven in Debian's headless Chromium
by Playwright (CI installs both). Type a question and wait for the
conflict card, open a citation and find its span marked, check a claim,
filter the audit, ingest a listed file and upload one from the disk, give
the bearer token once."""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from consistency import Checker
from consistency.models import Citation, Conflict, ConflictSide
from consistency.reason.answer import ReadingAnswerer
from consistency.reason.llm_reader import LLMReader
from consistency.server.common import IngestRoots
from consistency.server.http import create_app
from consistency.server.web import PAGE_FOLDER, card

from .conftest import CORPUS, RecordedLLM, write
from .server_process import running_server
from .test_cli import DRONES, cli_env, run

RECORD_ATTACK_VALUES = ("500 drones and missiles", "539 Iran-designed drones")
KHARKIV = "<b>Drones</b> over Kharkiv\n\nRussia launched 42 drones at Kharkiv overnight, the governor said on Monday.\n"
ODESA = "Port strike in Odesa\n\nTwo grain silos were hit in the port of Odesa on Tuesday, officials said.\n"
TIMEOUT_MS = 60_000


# ---- fixtures ------------------------------------------------------------------


def _missing(reason: str) -> None:
    if os.environ.get("CONSISTENCY_REQUIRE_CHROMIUM"):
        pytest.fail(f"{reason}; CONSISTENCY_REQUIRE_CHROMIUM is set")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _missing("chromium is not installed (apt-get install chromium); CI installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors  # the script threw


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "store"
    assert run("ingest", str(CORPUS), "--store", str(path)).returncode == 0
    return path


@pytest.fixture(scope="module")
def server(store):
    with running_server("--http", "--store", str(store), env=cli_env()) as running:
        yield running


# ---- ask ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_question_shows_the_conflict_card_and_a_citation_opens_its_span_in_context(server, page):
    page.goto(server.url + "/")
    page.get_by_label("Question").fill(DRONES)
    page.get_by_label("Question").press("Enter")
    conflict = page.locator("article.conflict").first
    conflict.wait_for()

    assert "The sources disagree" in page.locator("#ask-result .status").inner_text()
    assert "?q=" in page.url  # a finding can be shared as a link
    marked = [mark.inner_text() for mark in conflict.locator(".side mark").all()]
    assert any(RECORD_ATTACK_VALUES[0] in text for text in marked), marked
    assert any(RECORD_ATTACK_VALUES[1] in text for text in marked), marked
    sides = conflict.locator(".side").all()
    assert len(sides) == 2 and all("published 2025-07" in side.inner_text() for side in sides)

    answer = httpx.post(server.url + "/ask", json={"question": DRONES}, timeout=60).json()
    first = answer["citations"][0]
    page.locator("#ask-result .answer-text button.cite").first.click()
    dialog = page.locator("#source-dialog")
    dialog.locator("mark.cited").wait_for()
    assert dialog.locator("mark.cited").inner_text() == first["quote"]
    excerpt = dialog.locator(".excerpt").inner_text()
    assert len(excerpt) > len(first["quote"]) + 200  # the span in its surroundings
    assert first["outlet"] in dialog.inner_text() and first["title"] in dialog.inner_text()

    dialog.get_by_role("link", name="Open the whole source").click()
    page.locator("#view-source mark.cited").wait_for()
    assert page.locator("#view-source mark.cited").inner_text() == first["quote"]


@pytest.mark.slow
def test_a_question_in_the_address_opens_answered_and_fits_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(f"{server.url}/?q={quote(DRONES)}")
    phone.locator("article.conflict").first.wait_for(timeout=TIMEOUT_MS)
    assert phone.get_by_label("Question").input_value() == DRONES
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


class SlowRecordedLLM(RecordedLLM):
    """Replies as a model would, a second a source: time for the page to show the draft."""

    def chat(self, messages, **options):
        time.sleep(1.0)
        return super().chat(messages, **options)


@contextmanager
def served_in_process(app):
    """uvicorn on a thread, for an app whose Checker a test built (a recorded
    model cannot be handed to a server process)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
def test_the_draft_streams_in_marked_unverified_and_the_verified_answer_replaces_it(corpus_checker, page):
    # A model that invents a figure for every source (recorded: what code must never show as the answer).
    llm = SlowRecordedLLM([{"answers": True, "sentences": [1], "answer": "1,000,000 drones"}] * 8)
    reader = ReadingAnswerer(LLMReader(llm), corpus_checker.scorer)
    checker = Checker(settings=corpus_checker.settings, model=corpus_checker.model, reader=reader)
    with served_in_process(create_app(checker, IngestRoots([]))) as url:
        page.goto(url)
        page.get_by_label("Question").fill(DRONES)
        page.get_by_role("button", name="Ask").click()
        draft = page.locator("#ask-result pre.draft")
        draft.wait_for()
        assert (
            "1,000,000 drones" in draft.inner_text() and "not yet verified" in page.locator("#ask-result").inner_text()
        )
        page.locator("#ask-result .answer").wait_for()
        assert page.locator("#ask-result pre.draft").count() == 0  # replaced by what code verified
        assert "1,000,000" not in page.locator("#ask-result").inner_text()


@pytest.mark.slow
def test_errors_from_the_api_are_shown(server, page):
    page.goto(server.url + "/?view=source&id=nope")
    alert = page.locator("#view-source .error")
    alert.wait_for()
    assert "no source with id 'nope'" in alert.inner_text()


# ---- check ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_claim_gets_its_verdict_with_the_evidence_cited(server, page):
    page.goto(server.url + "/?view=check")
    page.get_by_label("Claim", exact=True).fill("Russia launched 100 drones in the record overnight attack")
    page.get_by_role("button", name="Check", exact=True).click()
    page.locator("#check-result .status-contradicted").wait_for()
    result = page.locator("#check-result")
    assert "Evidence against the claim" in result.inner_text() and "Evidence for the claim" not in result.inner_text()
    assert "539 Iran-designed drones" in result.locator("ol.citations blockquote").first.inner_text()
    assert "claim=" in page.url
    result.locator(".answer-text button.cite").first.click()
    page.locator("#source-dialog mark.cited").wait_for()
    assert "539" in page.locator("#source-dialog mark.cited").inner_text()
    page.keyboard.press("Escape")
    # A disputed figure: each side's quote under its own heading.
    page.get_by_label("Claim", exact=True).fill("Russia launched 539 drones in the record overnight attack")
    page.get_by_role("button", name="Check", exact=True).click()
    page.locator("#check-result .status-disputed").wait_for()
    lists = {
        heading.inner_text(): heading.locator("xpath=following-sibling::ol[1]").inner_text()
        for heading in page.locator("#check-result h3", has_text="Evidence").all()
    }
    assert "539" in lists["Evidence for the claim"] and "500 drones and missiles" not in lists["Evidence for the claim"]
    assert "500 drones and missiles" in lists["Evidence against the claim"]


# ---- audit ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_audit_filters_by_kind_and_severity_and_offers_downloads(server, page):
    everything = httpx.get(server.url + "/audit", timeout=60).json()
    qualitative = [c for c in everything["conflicts"] if c["kind"] == "qualitative"]
    assert qualitative and len(qualitative) < len(everything["conflicts"])

    page.goto(server.url + "/?view=audit")
    page.locator("#audit-result article.conflict").first.wait_for()
    assert page.locator("#audit-result article.conflict").count() == len(everything["conflicts"])

    page.get_by_label("Kind").select_option("qualitative")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"kind=qualitative"))
    page.wait_for_function(
        "n => document.querySelectorAll('#audit-result article.conflict').length === n", arg=len(qualitative)
    )
    kinds = page.locator("#audit-result article.conflict .badge.kind").all_inner_texts()
    assert kinds == ["qualitative"] * len(qualitative)

    page.get_by_label("Severity").select_option("minor")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"severity=minor"))
    page.locator("#audit-result .note", has_text="No conflicts match").wait_for()

    with page.expect_download() as download:
        page.get_by_role("button", name="the HTML report").click()
    assert '<nav class="toc"' in Path(download.value.path()).read_text(encoding="utf-8")


def test_audit_pages_and_filters_over_the_api(corpus_checker):
    client = TestClient(create_app(corpus_checker, IngestRoots([])))
    whole = client.get("/audit").json()
    pages = [client.get("/audit", params={"offset": n, "limit": 1}).json() for n in range(whole["total"])]
    assert [p["conflicts"][0] for p in pages] == whole["conflicts"]
    assert all(p["total"] == whole["total"] for p in pages)
    # A page's citations are those it cites, under their ids in the whole audit.
    for one in pages:
        cited = {n for side in one["conflicts"][0]["sides"] for n in side["citations"]}
        assert {c["id"] for c in one["citations"]} == cited
    major = client.get("/audit", params={"severity": "major"}).json()
    assert major["total"] == sum(c["severity"] == "major" for c in whole["conflicts"])
    cited_source = whole["citations"][0]["source"]
    by_source = client.get("/audit", params={"source": cited_source}).json()
    assert 0 < by_source["total"] <= whole["total"]
    assert client.get("/audit", params={"source": "nope"}).json() == {
        "detail": "unknown source 'nope': the store holds no source or file with that id"
    }
    assert client.get("/audit", params={"kind": "colour"}).status_code == 400


# ---- sources and ingest ---------------------------------------------------------------------


@pytest.mark.slow
def test_listed_and_uploaded_files_are_ingested_with_progress_and_markup_stays_text(store, tmp_path, page):
    own_store = tmp_path / "store"
    shutil.copytree(store, own_store)
    inbox = tmp_path / "inbox"
    write(inbox / "kharkiv.txt", KHARKIV)
    write(inbox / "other.txt", "Another article\n\nNothing to see here, said the mayor on Friday.\n")
    args = ("--http", "--store", str(own_store), "--allow-ingest", str(inbox))
    with running_server(*args, env=cli_env()) as server:
        page.goto(server.url + "/?view=sources")
        page.locator("#sources-result table").wait_for()
        page.get_by_label("kharkiv.txt").check()
        page.get_by_role("button", name="Ingest the chosen files").click()
        page.locator("#ingest-panel", has_text="Done: 1 file(s)").wait_for()
        assert page.locator("#ingest-panel progress").evaluate("bar => [bar.value, bar.max]") == [1, 1]
        assert "added: " in page.locator("#ingest-panel ul.log").inner_text()
        row = page.locator("#sources-result tr", has_text="<b>Drones</b> over Kharkiv")
        row.wait_for()
        assert row.locator("b").count() == 0  # shown as text, never run as markup
        assert row.locator("td").nth(4).inner_text() == "1"  # its claims: "42 drones"
        titles = [s["title"] for s in httpx.get(server.url + "/sources").json()]
        assert "<b>Drones</b> over Kharkiv" in titles and "Another article" not in titles
        # A file from the user's own disk: uploaded, kept in the folder, ingested.
        desk = write(tmp_path / "desk" / "odesa.txt", ODESA)
        junk = write(tmp_path / "desk" / "junk.txt", "\0\1\2 not text")
        page.set_input_files("#upload-files", [str(desk), str(junk)])
        page.get_by_role("button", name="Upload and ingest").click()
        page.locator("#upload-form", has_text="Done: 1 file(s)").wait_for()
        assert "failed: junk.txt (junk.txt: binary file, not text)" in page.locator("#upload-form").inner_text()
        assert (inbox / "uploads" / "odesa.txt").read_text() == ODESA
        assert "Port strike in Odesa" in [s["title"] for s in httpx.get(server.url + "/sources").json()]


def test_a_file_from_the_users_disk_is_checked_then_kept_whole_in_uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSISTENCY_MAX_FILE_MB", "0.01")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    client = TestClient(create_app(Checker(store=tmp_path / "store"), IngestRoots([inbox])))

    def upload(name: str, body: bytes) -> httpx.Response:
        return client.post("/web/upload", params={"name": name}, content=body)

    kept = upload("kharkiv.txt", KHARKIV.encode())
    assert kept.status_code == 200 and kept.json() == {
        "path": str(inbox / "uploads" / "kharkiv.txt"),
        "name": "uploads/kharkiv.txt",
    }
    assert (inbox / "uploads" / "kharkiv.txt").read_text() == KHARKIV
    assert upload("kharkiv.txt", KHARKIV.encode()).json()["name"] == "uploads/kharkiv.txt"  # the same file again
    assert upload("kharkiv.txt", b"Another text\n\nAbout something else.").json()["name"] == "uploads/kharkiv (2).txt"
    # A name is only a name: no path of the client's reaches the server's disk.
    assert upload("../../outside.md", b"# Title\n\nText.").json()["name"] == "uploads/outside.md"
    refusals = {
        "photo.png": (b"\x89PNG\r\n\x1a\n\0\0", "unsupported file type"),
        "blob.txt": (b"\0\1\2\3" * 10, "binary file"),
        "blank.txt": (b" \n ", "file is empty"),
        "huge.txt": (b"word " * 5000, "huge.txt: file is larger than the limit of 0.01 MB"),
        ".hidden.txt": (b"text", "not a usable file name"),
    }
    for name, (body, reason) in refusals.items():
        refused = upload(name, body)
        assert refused.status_code == 400 and reason in refused.json()["detail"], (name, refused.text)
    assert sorted(p.name for p in (inbox / "uploads").iterdir()) == ["kharkiv (2).txt", "kharkiv.txt", "outside.md"]
    # What a server that died mid-upload left is hidden from ingest, and cleared an hour on.
    left = write(inbox / "uploads" / ".lost.txt.0a1b2c3d.part", "half a fi")
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    upload("later.txt", b"Later\n\nA later file.")
    assert not left.exists()
    closed = TestClient(create_app(Checker(store=tmp_path / "store"), IngestRoots([])))
    assert closed.post("/web/upload", params={"name": "a.txt"}, content=b"text").status_code == 403


@pytest.mark.slow
def test_ingest_is_off_without_allowed_folders(server, page):
    page.goto(server.url + "/?view=sources")
    page.locator("#ingest-panel", has_text="without --allow-ingest").wait_for()


# ---- the bearer token --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_page_asks_for_the_token_once_and_sends_it(store, browser):
    with running_server("--http", "--store", str(store), "--token", "s3cret", env=cli_env()) as server:
        assert httpx.get(server.url + "/").status_code == 200  # the page holds no data
        assert httpx.get(server.url + "/sources").status_code == 401
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server.url}/?q={quote(DRONES)}")
        page.get_by_label("Bearer token").fill("wrong")
        page.get_by_role("button", name="Use this token").click()
        page.locator("#token-note", has_text="not accepted").wait_for()
        page.get_by_label("Bearer token").fill("s3cret")
        page.get_by_role("button", name="Use this token").click()
        page.locator("article.conflict").first.wait_for()
        page.goto(server.url + "/?view=audit")
        page.locator("#audit-result article.conflict").first.wait_for()
        assert page.locator("#token-form").is_hidden()  # asked once for the tab
        context.close()


# ---- serve --web --------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_web_opens_the_page_in_the_browser(store, tmp_path):
    opened = tmp_path / "opened.txt"
    fake_browser = write(tmp_path / "browser.sh", f'#!/bin/sh\necho "$1" > {opened}\n')
    fake_browser.chmod(fake_browser.stat().st_mode | stat.S_IXUSR)
    env = cli_env({"BROWSER": f"{fake_browser} %s", "DISPLAY": ""})
    with running_server("--web", "--store", str(store), env=env) as server:
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert opened.read_text().strip() == server.url + "/"


# ---- pieces -----------------------------------------------------------------------------------


def test_a_card_marks_each_sides_value_as_text_segments():
    quote_text = "Officials counted 12 injured <script>x</script>, while police said 16 were hurt."
    citation = Citation(id=1, source="s", title="t", quote=quote_text, start=0, end=len(quote_text))
    conflict = Conflict(
        kind="numeric",
        severity="major",
        summary="people injured: 12 vs 16",
        explanation="The figures differ.",
        sides=[ConflictSide(value="12", citations=[1]), ConflictSide(value="16", citations=[1])],
    )
    (shown,) = card(conflict, {1: citation}).shared
    assert [(s.text, s.side) for s in shown.quote.segments if s.side] == [("12", 1), ("16", 2)]
    assert "".join(s.text for s in shown.quote.segments) == quote_text  # unescaped text, for text nodes
    assert shown.heading == "One sentence states both values: “12” and “16”"


def test_the_page_loads_nothing_from_elsewhere_and_never_parses_text_as_markup():
    for path in PAGE_FOLDER.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
