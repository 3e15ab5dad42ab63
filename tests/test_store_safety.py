"""A store that survives crashes and concurrent writers: updates are
all-or-nothing as readers see them, one ingest writes at a time, and
`verify` finds (and `--repair` mends) what does not hold together. Real
Chroma stores on disk, the real embedding model, real processes killed
with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consistency import Checker
from consistency.index.store import Store

from .conftest import write
from .test_cli import cli_env, run

FILES = 12


def article(number: int, version: int) -> str:
    """A short news article whose figures change with each version."""
    figure = 100 * number + version
    return (
        f"Harbour report {number}\n\n"
        + " ".join(
            f"Officials said {figure + line} containers were unloaded at dock {number} on day {line}, "
            f"version {version} of the count."
            for line in range(1, 30)
        )
        + f"\n\nThe port authority confirmed {figure} ships in the week."
    )


def write_version(folder: Path, version: int) -> None:
    for number in range(1, FILES + 1):
        write(folder / f"port-{number:02d}.txt", article(number, version))


def assert_readers_see_one_version_of_each_source(store_path: Path) -> None:
    """What a reader gets is whole: every passage and claim of a visible
    source matches its stored text, and it has all its passages."""
    store = Store(store_path)
    try:
        passages = store.all_passages()
        infos = {info.id: info for info in store.source_infos()}
        sources = store.sources(list(infos))
        for passage in passages:
            source = sources[passage.source_id]
            assert source.text[passage.start : passage.end] == passage.text, passage.id
        for source_id, info in infos.items():
            assert sum(p.source_id == source_id for p in passages) == info.chunks, source_id
        for claim, _ in store.claims_of(list(infos)):
            assert sources[claim.source_id].text[claim.start : claim.end] == claim.sentence, claim.id
    finally:
        store.close()


class CrashingStore(Store):
    """A store whose process 'dies' after the new passages are written and
    before anything else of the update: a fault injected at one exact point
    (the kill test below tries many points at random)."""

    def _write_claims(self, *args, **kwargs):
        raise KeyboardInterrupt("killed")


def test_an_update_cut_short_is_invisible_and_the_next_ingest_finishes_it(tmp_path):
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    checker = Checker(store=store_path)
    assert checker.ingest([folder]).ok
    before = {p.id for p in checker.store.all_passages()}
    write_version(folder, 2)
    crashing = Checker(store=store_path)
    crashing.store = CrashingStore(store_path)  # the same store on disk, opened by a process about to die
    with pytest.raises(KeyboardInterrupt):
        crashing.ingest([folder])
    crashing.store.close()

    assert_readers_see_one_version_of_each_source(store_path)
    reopened = Checker(store=store_path)
    assert {p.id for p in reopened.store.all_passages()} == before  # the old version, whole
    assert reopened.status().needs_repair
    assert [f.outcome for f in reopened.ingest([folder]).files] == ["updated"] * FILES
    assert reopened.verify().ok and reopened.status().needs_repair is None
    assert "2 of the count" in reopened.store.all_passages()[0].text


@pytest.mark.slow
def test_killed_at_many_points_of_an_update_the_store_stays_whole(tmp_path):
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 0)
    assert run("ingest", str(folder), "--store", str(store_path)).returncode == 0
    started = time.perf_counter()
    write_version(folder, 1)
    assert run("ingest", str(folder), "--store", str(store_path)).returncode == 0
    whole_run = time.perf_counter() - started
    kills = 0
    for attempt in range(10):
        write_version(folder, attempt + 2)
        process = subprocess.Popen(
            [sys.executable, "-m", "consistency", "ingest", str(folder), "--store", str(store_path)],
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(whole_run * (0.35 + 0.065 * attempt))  # from loading through the last writes
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        assert_readers_see_one_version_of_each_source(store_path)
    assert kills >= 5  # most attempts were cut short
    final = run("ingest", str(folder), "--store", str(store_path))
    assert final.returncode == 0, final.stderr
    checked = run("verify", "--store", str(store_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert_readers_see_one_version_of_each_source(store_path)
    texts = " ".join(p.text for p in Checker(store=store_path).store.all_passages())
    assert "version 11 of the count" in texts and "version 10 of the count" not in texts


def test_a_second_writer_waits_for_the_first_or_gives_up_in_one_line(tmp_path):
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    holder = Store(store_path)
    with holder.writing():
        refused = run("ingest", str(folder), "--store", str(store_path), "--wait", "1")
        assert refused.returncode != 0
        assert "still writing to the store" in refused.stderr and "Traceback" not in refused.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "consistency", "ingest", str(folder), "--store", str(store_path)],
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(8)
        assert waiting.poll() is None  # waits, neither fails nor writes
        # Readers are not held up by a writer.
        assert run("status", "--store", str(store_path)).returncode == 0
    _, stderr = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, stderr
    assert "waiting for it to finish" in stderr
    assert Checker(store=store_path).verify().ok
    holder.close()


def test_verify_finds_a_damaged_source_and_repair_reads_its_file_again(tmp_path):
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    checker = Checker(store=store_path)
    assert checker.ingest([folder]).ok
    assert checker.verify().ok
    victim = next(p for p in checker.store.all_passages() if p.source_id == "port-03")
    checker.store._passages.delete(ids=[victim.id])  # damage as a crash of an older version could leave it
    found = checker.verify()
    assert not found.ok and {p.source for p in found.problems} == {"port-03"}
    cli = run("verify", "--store", str(store_path))
    assert cli.returncode == 1 and "port-03" in cli.stdout
    repaired = checker.verify(repair=True)
    assert repaired.ok, repaired.problems
    assert any("port-03" in line for line in repaired.repaired)
    assert victim.id in {p.id for p in checker.store.all_passages()}
