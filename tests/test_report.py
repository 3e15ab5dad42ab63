"""The audit's HTML report: self-contained, the figures highlighted, and
rendered by a real headless Chromium (Debian's package; CI installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from consistency.shells.report import audit_html

from .test_cli import run

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


def test_report_shows_each_conflict_with_its_sources_and_marked_figures(corpus_checker):
    page = audit_html(corpus_checker.audit())
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page.split("<main>")[0]
    assert "<mark>500 drones and missiles</mark>" in page
    assert "<mark>539 Iran-designed drones</mark>" in page and "<mark>11 cruise and ballistic missiles</mark>" in page
    assert page.count('class="conflict"') == len(corpus_checker.audit().conflicts)


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
    page.write_text(audit_html(corpus_checker.audit()), encoding="utf-8")
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
