"""Copy-on-write folders (index/generations.py): a writer never touches the
folder readers use, so a process killed at any moment, even in the middle
of Chroma rewriting its HNSW files, leaves the live folder byte for byte as
it was. Real Chroma stores, the real embedding model, a real process killed
with SIGKILL at an exact point of an update."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from consistency import Checker
from consistency.index.generations import LEGACY, POINTER, Generations, live_folder
from consistency.index.store import Store

from .conftest import write
from .test_cli import cli_env

ARTICLE = (
    "Harbour report\n\nOfficials said {n} containers were unloaded at the north dock on Monday. "
    "The port authority confirmed {m} ships arrived in the week."
)


def article(version: int) -> str:
    return ARTICLE.format(n=100 + version, m=20 + version)


def ledger(version: int) -> str:
    """An article of some 1,100 figures: enough claims that Chroma rewrites
    the claims' HNSW files while one update writes them (every thousand)."""
    days = " ".join(f"On day {day} the north dock unloaded {day * 7 + version} containers." for day in range(1, 1100))
    return f"Harbour ledger\n\n{article(version)}\n\n{days}"


def fingerprint(folder: Path) -> dict[str, str]:
    """What the folder holds: the files of every HNSW index Chroma has
    persisted (with its id map) and every SQLite row. Not what a reader
    rewrites without changing anything: the files of a still-empty index,
    which Chroma creates again whenever it opens one, and its table of
    clients."""
    persisted = {pickle.parent for pickle in folder.glob("*/index_metadata.pickle")}
    files = {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for index in persisted
        for path in sorted(index.iterdir())
    }
    with sqlite3.connect(f"{(folder / 'chroma.sqlite3').as_uri()}?mode=ro", uri=True) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {
            table: hashlib.sha256(repr(db.execute(f"SELECT * FROM '{table}'").fetchall()).encode()).hexdigest()
            for table in tables
            if table != "acquire_write"
        }
    return files | rows


def folders(store: Path) -> set[str]:
    return {p.name for p in store.iterdir() if p.is_dir()}


def figures(store: Path) -> str:
    with Checker(store=store) as checker:
        return " ".join(p.text for p in checker.store.all_passages())


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from consistency import Checker
    from consistency.index.store import Store

    class DyingStore(Store):
        # Dies (SIGKILL: no cleanup runs) once the draft holds the new
        # passages and claims (Chroma has rewritten their HNSW files
        # meanwhile), its HNSW headers damaged as a torn write leaves them.
        def _write_claims(self, *args, **kwargs):
            super()._write_claims(*args, **kwargs)
            folder = Path(self._folder().database).parent
            for header in folder.glob("*/header.bin"):
                header.write_bytes(b"torn")
            os.kill(os.getpid(), signal.SIGKILL)

    checker = Checker(store=Path(sys.argv[1]))
    checker.store = DyingStore(Path(sys.argv[1]))
    checker.ingest([Path(sys.argv[2])])
    """
)


@pytest.mark.slow
def test_a_writer_killed_mid_update_leaves_the_live_folder_as_it_was_and_the_next_one_sweeps(tmp_path):
    store, source = tmp_path / "store", write(tmp_path / "port.txt", ledger(1))
    assert Checker(store=store).ingest([source]).ok
    live, before = live_folder(store), fingerprint(live_folder(store))
    assert any(name.endswith("index_metadata.pickle") for name in before)  # an HNSW index Chroma rewrites

    write(source, ledger(2))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(store), str(source)], env=cli_env(), capture_output=True
    )
    assert killed.returncode == -9, killed.stderr.decode()
    assert live_folder(store) == live and fingerprint(live) == before
    assert len(folders(store)) == 2  # the torn draft, named by nothing
    (store / f"{POINTER}.half").write_text("chroma-x", encoding="utf-8")  # a pointer a crash left half-written
    assert "said 101 containers" in figures(store) and "said 102 containers" not in figures(store)

    with Checker(store=store) as checker:
        assert [f.outcome for f in checker.ingest([source]).files] == ["updated"]
        assert checker.verify().ok
    assert folders(store) == {live_folder(store).name}  # the old folder and the torn draft are gone
    assert not list(store.glob(f"{POINTER}.*"))
    assert "said 102 containers" in figures(store) and "said 101 containers" not in figures(store)


def test_an_error_while_writing_discards_the_draft_and_changes_nothing(tmp_path):
    store, source = tmp_path / "store", write(tmp_path / "port.txt", article(1))
    assert Checker(store=store).ingest([source]).ok
    live, before = live_folder(store), fingerprint(live_folder(store))
    opened = Store(store)
    [info] = opened.source_infos()
    with pytest.raises(RuntimeError, match="bug"), opened.writing():
        opened.remove_sources([info.id], [info.path])
        assert opened.counts() == (0, 0)  # the writer reads its own draft
        raise RuntimeError("a bug half way through")
    assert opened.counts()[0] == 1 and fingerprint(live) == before
    assert folders(store) == {live.name}
    opened.close()


def test_a_folder_is_removed_only_when_no_open_store_reads_it(tmp_path):
    store, source = tmp_path / "store", write(tmp_path / "port.txt", article(1))
    assert Checker(store=store).ingest([source]).ok
    reader = Store(store)
    first = live_folder(store)
    with reader.reading():
        write(source, article(2))
        assert Checker(store=store).ingest([source]).ok
        assert live_folder(store) != first and first.is_dir()  # pinned by the reader
        assert "said 101 containers" in " ".join(p.text for p in reader.all_passages())  # its snapshot, whole
    assert "said 102 containers" in " ".join(p.text for p in reader.all_passages())  # follows the writer
    write(source, article(3))
    assert Checker(store=store).ingest([source]).ok
    assert not first.exists()  # the reader has moved on: nothing pins it
    reader.close()


def test_a_store_from_before_copy_on_write_is_read_then_moved_by_its_first_write(tmp_path):
    store, source = tmp_path / "store", write(tmp_path / "port.txt", article(1))
    assert Checker(store=store).ingest([source]).ok
    shutil.move(live_folder(store), store / LEGACY)  # the layout of earlier versions
    (store / POINTER).unlink()
    assert Generations(store).live() == LEGACY and "said 101 containers" in figures(store)
    write(source, article(2))
    assert Checker(store=store).ingest([source]).ok
    assert live_folder(store).name != LEGACY and not (store / LEGACY).exists()
    assert "said 102 containers" in figures(store)


class FailingSecondWrite(Store):
    """A real store whose second round of writes fails (a bug, a full disk)."""

    writes = 0

    def replace_files(self, *args, **kwargs):
        FailingSecondWrite.writes += 1
        if FailingSecondWrite.writes == 2:
            raise RuntimeError("the second round of writes failed")
        return super().replace_files(*args, **kwargs)


def test_a_long_ingest_makes_its_work_live_at_checkpoints_so_a_failure_costs_only_what_follows(tmp_path, monkeypatch):
    from consistency.index import store as store_module
    from consistency.ingest import pipeline

    monkeypatch.setattr(store_module, "CHECKPOINT_SECONDS", 0.0)  # every round of writes is a checkpoint
    monkeypatch.setattr(pipeline, "BATCH_PASSAGES", 1)  # one file per round
    first, second = write(tmp_path / "docs" / "a.txt", article(1)), write(tmp_path / "docs" / "b.txt", article(2))
    checker = Checker(store=tmp_path / "store")
    checker.store = FailingSecondWrite(tmp_path / "store")
    FailingSecondWrite.writes = 0
    with pytest.raises(Exception, match="second round"):
        checker.ingest([first, second])
    with Checker(store=tmp_path / "store") as reader:
        assert [Path(info.path).name for info in reader.sources()] == ["a.txt"]  # the first round stands
        assert reader.verify().ok
