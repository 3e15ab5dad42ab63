"""A store that survives crashes and concurrent writers: updates are
all-or-nothing as readers see them, one ingest writes at a time, and
`verify` finds (and `--repair` mends) what does not hold together; damage
from outside (lost HNSW files, bytes scribbled into the database) is
reported in one line, never a traceback or a Rust panic. Real Chroma
stores on disk, the real embedding model, real processes killed with
SIGKILL, real `consistency` commands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from consistency import Checker, StoreError
from consistency.index.generations import live_folder
from consistency.index.store import CLAIMS, PASSAGES, Store
from consistency.ingest import pipeline
from consistency.shells.native_stderr import RustPanicReports

from .conftest import write
from .test_cli import assert_clean_error, cli_env, run

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


@pytest.mark.slow
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


class FailingSecondWrite(Store):
    """A store whose second batch fails to write (a full disk, a server gone)."""

    writes = 0

    def _write_claims(self, *args, **kwargs):
        type(self).writes += 1
        if type(self).writes == 2:
            raise StoreError("cannot write to the store: disk full")
        super()._write_claims(*args, **kwargs)


def writing_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ingest-write")]


@pytest.mark.slow
def test_a_batch_that_fails_to_write_on_its_own_thread_fails_the_ingest_and_keeps_the_store_as_it_was(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(pipeline, "BATCH_PASSAGES", 1)  # a file a batch: one written while the next embeds
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    checker = Checker(store=store_path)
    assert checker.ingest([folder]).ok
    write_version(folder, 2)
    failing = Checker(store=store_path)
    failing.store = FailingSecondWrite(store_path)
    with pytest.raises(StoreError, match="disk full"):
        failing.ingest([folder])
    failing.store.close()
    assert writing_threads() == []
    reopened = Checker(store=store_path)
    assert reopened.verify().ok
    assert all("1 of the count" in p.text for p in reopened.store.all_passages() if "of the count" in p.text)


@pytest.mark.slow
def test_an_interruption_while_a_batch_writes_on_its_own_thread_waits_for_it_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_PASSAGES", 1)
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    checker = Checker(store=store_path)
    embed, calls = checker.model.embed, []

    def interrupted_embed(texts):
        calls.append(len(texts))
        if len(calls) == 3:  # Ctrl-C while the second file is written
            raise KeyboardInterrupt
        return embed(texts)

    monkeypatch.setattr(checker.model, "embed", interrupted_embed)
    with pytest.raises(KeyboardInterrupt):
        checker.ingest([folder])
    assert writing_threads() == []
    checker.store.close()
    reopened = Checker(store=store_path)
    assert reopened.verify().ok and reopened.status().needs_repair is None
    assert len(reopened.sources()) == 2  # both files written before the interruption, whole


class PausingStore(Store):
    """A writer that stops after its new passages are written (the journal
    stands, nothing is committed) until it is let go."""

    paused = threading.Event()
    go = threading.Event()

    def _write_claims(self, *args, **kwargs):
        self.paused.set()
        assert self.go.wait(timeout=300)
        super()._write_claims(*args, **kwargs)


class StraddlingStore(Store):
    """A reader whose read straddles a whole commit: the writer finishes
    after the reader has read the records and before it checks them."""

    writer: threading.Thread

    def _committed_since(self, before):
        PausingStore.go.set()
        self.writer.join(timeout=300)
        return super()._committed_since(before)


@pytest.mark.slow
def test_a_read_that_straddles_a_commit_sees_one_version_of_each_source(tmp_path):
    folder, store_path = tmp_path / "docs", tmp_path / "store"
    write_version(folder, 1)
    assert Checker(store=store_path).ingest([folder]).ok
    write_version(folder, 2)
    writer = Checker(store=store_path)
    writer.store = PausingStore(store_path)
    thread = threading.Thread(target=writer.ingest, args=([folder],))
    thread.start()
    assert PausingStore.paused.wait(timeout=300)
    reader = StraddlingStore(store_path)
    reader.writer = thread
    passages = reader.all_passages()  # read mid-update, checked after the commit
    assert not thread.is_alive()
    # The read sees the store as it was when it began, whole; the next read
    # (the same open store, as a server's) sees the update, whole.
    assert {p.source_id for p in passages} == {info.id for info in reader.source_infos()}
    texts = " ".join(p.text for p in passages)
    assert "version 1 of the count" in texts and "version 2 of the count" not in texts
    texts = " ".join(p.text for p in reader.all_passages())
    assert "version 2 of the count" in texts and "version 1 of the count" not in texts
    assert_readers_see_one_version_of_each_source(store_path)


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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---- damage no crash of ours leaves: lost HNSW files, a scribbled database ----

PIER_FILES, PIER_PARAGRAPHS = 18, 57


def pier_ledger(number: int) -> str:
    """One short paragraph a passage, so that a few files give Chroma more
    than the 1,000 writes after which it folds vectors into HNSW files."""
    words = "harbour crane vessel cargo pilot tide berth quay ledger barge anchor rope signal beacon".split()
    paragraphs = [
        f"The {words[day % 14]} inspectors at pier {number} reported that the {words[day * 3 % 14]} crews "
        f"finished the {words[day * 5 % 14]} work before the evening shift ended on day {day}."
        for day in range(PIER_PARAGRAPHS)
    ]
    return f"Pier ledger {number}\n\n" + "\n\n".join(paragraphs)


PARAGRAPH = pier_ledger(5).split("\n\n")[30]


def vector_folders(store: Path) -> dict[str, Path]:
    """{collection: the folder of its HNSW files}, from Chroma's own tables
    (read with sqlite3, so that no Chroma in this process caches them)."""
    with sqlite3.connect(f"{(live_folder(store) / 'chroma.sqlite3').as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT s.id, c.name FROM segments s JOIN collections c ON s.collection = c.id WHERE s.scope = 'VECTOR'"
        ).fetchall()
    return {name: live_folder(store) / segment for segment, name in rows}


@pytest.fixture(scope="module")
def large_store(tmp_path_factory) -> Path:
    """A store written by a real ingest with 1,134 passages and 1,404
    claims: both collections' vectors are in HNSW files on disk and gone
    from Chroma's write-ahead log. Tests copy it (stores are only ever
    opened by `consistency` processes: Chroma caches an index by segment
    id, which copies share)."""
    root = tmp_path_factory.mktemp("large")
    write_version(root / "docs", 1)
    for number in range(1, PIER_FILES + 1):
        write(root / "docs" / f"pier-{number:02d}.txt", pier_ledger(number))
    result = run("ingest", str(root / "docs"), "--store", str(root / "store"))
    assert result.returncode == 0, result.stderr
    return root / "store"


def copy_of(store: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(store, tmp_path / "store"))


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    """Exit non-zero with one line on stderr: no Python traceback, no pyo3
    PanicException, no report of Rust's panic hook."""
    for noise in ("Traceback", "PanicException", "panicked at", "stack backtrace"):
        assert noise not in result.stderr, result.stderr
    assert_clean_error(result, fragment)


@pytest.mark.slow
def test_lost_hnsw_files_are_reported_searches_refuse_and_repair_reads_the_files_again(large_store, tmp_path):
    folders = vector_folders(large_store)
    for collection in (PASSAGES, CLAIMS):  # what the folder looks like once Chroma has persisted its index
        assert {p.name for p in folders[collection].iterdir()} == {
            "header.bin",
            "data_level0.bin",
            "length.bin",
            "link_lists.bin",
            "index_metadata.pickle",
        }
    store = copy_of(large_store, tmp_path)
    for folder in vector_folders(store).values():
        shutil.rmtree(folder)

    status = run("status", "--store", str(store), "--json")
    assert status.returncode == 0, status.stderr
    assert "vector index has lost" in (json.loads(status.stdout)["needs_repair"] or "")
    for command in (["ask", "What did the crane inspectors at pier 4 report?"], ["audit"]):
        result = run(*command, "--store", str(store))
        assert_one_line_error(result, "vector index has lost")
        assert "verify --repair" in result.stderr
    # A search by vector alone refuses, rather than answer from the few vectors Chroma could rebuild.
    assert_one_line_error(nearest_by_vector(store, PARAGRAPH), "vector index has lost")
    found = run("verify", "--store", str(store), "--json")
    assert found.returncode == 1
    lost = {p["source"] for p in json.loads(found.stdout)["problems"] if "vector index has lost" in p["problem"]}
    assert {f"pier-{n:02d}" for n in range(1, PIER_FILES + 1)} <= lost

    gone = Path(next(p["path"] for p in json.loads(found.stdout)["problems"] if p["source"] == "pier-18"))
    gone.rename(gone.with_suffix(".away"))  # a file no longer there to be read again
    try:
        repaired = run("verify", "--repair", "--store", str(store), "--json")
    finally:
        gone.with_suffix(".away").rename(gone)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    read_again = [line for line in json.loads(repaired.stdout)["repaired"] if line.startswith("added: ")]
    assert len(read_again) == len(lost) - 1 and not any(line.endswith(str(gone)) for line in read_again)
    assert json.loads(run("status", "--store", str(store), "--json").stdout)["needs_repair"] is None
    stored = {source["id"] for source in json.loads(run("sources", "--store", str(store), "--json").stdout)}
    assert len(stored) == FILES + PIER_FILES - 1 and "pier-18" not in stored
    # The vectors written before the loss are searchable again.
    probe = nearest_by_vector(store, PARAGRAPH)
    assert probe.returncode == 0 and probe.stdout.strip() == PARAGRAPH, probe.stdout + probe.stderr


# The nearest passage by vector alone (`ask` would find a pier passage by its words too).
NEAREST = """
import sys
from pathlib import Path
from consistency.errors import StoreError
from consistency.index.embed import shared_model
from consistency.index.store import Store
try:
    hits = Store(Path(sys.argv[1])).nearest(shared_model().embed_one(sys.argv[2]), 1)
except StoreError as error:
    sys.exit(f"error: {error}")
print(hits[0].text if hits else "")
"""


def nearest_by_vector(store: Path, text: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NEAREST, str(store), text], env=cli_env(), capture_output=True, text=True
    )


def scribble(database: Path, where: str) -> None:
    """Overwrites bytes of chroma.sqlite3: its header, page 2 (Chroma's
    Rust core panics reading it), or every page of one table: the records'
    metadata (read by questions and the audit, not when a store opens) or
    Chroma's write-ahead log (where Chroma says only "Failed to pull logs
    from the log store")."""
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [row[0] for row in db.execute("SELECT pageno FROM dbstat WHERE name = ?", (where,))]
    offsets = {"header": [0], "page 2": [page]}.get(where) or [(n - 1) * page + page // 2 for n in pages]
    with open(database, "r+b") as handle:
        for offset in offsets:
            handle.seek(offset)
            handle.write(bytes(range(256)) * 2)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["header", "page 2", "embedding_metadata", "embeddings_queue"])
def test_a_scribbled_database_is_one_line_from_every_command_never_a_traceback_or_panic(large_store, tmp_path, where):
    store = copy_of(large_store, tmp_path)
    scribble(live_folder(store) / "chroma.sqlite3", where)
    for command in (["status"], ["ask", "How many ships did the port authority confirm?"], ["audit"], ["verify"]):
        assert_one_line_error(run(*command, "--store", str(store)), "database file (chroma.sqlite3) is damaged")


@pytest.mark.parametrize(
    "report",
    [
        # RUST_BACKTRACE unset or 0, then 1 (as in this project's CI), then full.
        "\nthread '<unnamed>' (6816) panicked at rust/sqlite/src/db.rs:245:14:\nExpect it to be fetched: "
        'Database(SqliteError { code: 11, message: "database disk image is malformed" })\n'
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        "\nthread '<unnamed>' (6066) panicked at rust/sqlite/src/db.rs:245:14:\nExpect it to be fetched\n"
        "stack backtrace:\nnote: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n",
        "thread 'main' panicked at src/main.rs:2:5:\nboom\ntwo lines\nstack backtrace:\n   0: rust_begin_unwind\n"
        "             at /rustc/library/std/src/panicking.rs:652:5\n   1: core::panicking::panic_fmt\n",
    ],
)
def test_rust_panic_reports_are_dropped_from_native_stderr_and_the_rest_passes(report):
    stream = f"loading\n{report}error: cannot open the store\n\nafter a blank line\n"
    reports = RustPanicReports()
    kept = [kept for line in stream.encode().split(b"\n")[:-1] for kept in reports.lines(line)] + reports.rest()
    assert kept == [b"loading", b"error: cannot open the store", b"", b"after a blank line"]
