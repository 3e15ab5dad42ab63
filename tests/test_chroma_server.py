"""--chroma-url against a real `chroma run` server on loopback, started and
stopped by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from consistency import Checker, IngestReport, InputError, StoreError

from .conftest import ARTICLE, write
from .server_process import free_port, running_chroma
from .test_cli import cli_env


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture
def own_chroma_url(tmp_path):
    """A server of the test's own, for tests that need an empty store."""
    with running_chroma(tmp_path / "chroma-server") as url:
        yield url


@pytest.mark.slow
def test_ingest_and_ask_through_a_chroma_server(tmp_path, chroma_url):
    checker = Checker(chroma_url=chroma_url)
    report = checker.ingest([write(tmp_path / "kharkiv.txt", ARTICLE)])
    assert report.ok
    assert checker.status().backend == "http" and checker.status().sources == 1
    # A second client (another process, another machine) sees the same store.
    answer = Checker(chroma_url=chroma_url).ask("How many drones were launched at Kharkiv?")
    assert answer.status == "answered"
    (citation,) = [c for c in answer.citations if "42 drones" in c.quote]
    assert Checker(chroma_url=chroma_url).source("kharkiv").text[citation.start : citation.end] == citation.quote
    assert Checker(chroma_url=chroma_url).ingest([tmp_path / "kharkiv.txt"]).files[0].outcome == "unchanged"


def test_unreachable_chroma_server_is_one_clear_line():
    with pytest.raises(StoreError, match=r"cannot open the store at http://127\.0\.0\.1:") as error:
        Checker(chroma_url=f"http://127.0.0.1:{free_port()}").sources()
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_a_server_readers_lexical_index_is_kept_for_its_state_and_built_again_after_an_ingest(
    tmp_path, own_chroma_url, monkeypatch
):
    chroma_url = own_chroma_url  # an empty store: the writer's files must be new to it
    monkeypatch.setenv("CONSISTENCY_CACHE", str(tmp_path / "cache"))
    kept = tmp_path / "cache" / "lexical"
    writer = Checker(chroma_url=chroma_url)
    assert writer.ingest([write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)]).ok
    # The writer, the last to finish, kept the index of the state it left.
    assert [p.name.rsplit("-", 1)[1] for p in kept.iterdir()] == [writer.store.revision()]
    shutil.rmtree(kept)  # as if the writer had run on another machine: the first reader builds it
    first = Checker(chroma_url=chroma_url)
    assert first.ask("How many drones were launched at Kharkiv?").status == "answered"
    revision = first.store.revision()
    (saved,) = kept.iterdir()
    assert saved.name.endswith(f"-{revision}")
    # The next process on this machine loads it rather than reading every passage again.
    loaded = Checker(chroma_url=chroma_url).store.saved_lexical(revision)
    assert loaded is not None and [p.id for p in loaded.passages] == [p.id for p in first.store.all_passages()]
    # Another worker's ingest, on another machine, changes the server's state:
    # the kept index is not trusted for it.
    other = "Odesa port\n\nTwo grain silos were hit in the port of Odesa on Tuesday, officials said.\n"
    monkeypatch.setenv("CONSISTENCY_CACHE", str(tmp_path / "another-machine"))
    assert Checker(chroma_url=chroma_url).ingest([write(tmp_path / "docs" / "odesa.txt", other)]).ok
    monkeypatch.setenv("CONSISTENCY_CACHE", str(tmp_path / "cache"))
    later = Checker(chroma_url=chroma_url)
    assert later.store.saved_lexical(later.store.revision()) is None
    assert later.ask("How many grain silos were hit in the port of Odesa?").status == "answered"
    (saved,) = kept.iterdir()  # the older state's copy is gone
    assert saved.name.endswith(f"-{later.store.revision()}")


def town(number: int) -> str:
    return (
        f"Power cut in Velmora district {number}\n\n"
        f"Officials in Velmora district {number} said {100 + number} homes lost power on Monday.\n"
    )


@pytest.mark.slow
def test_two_ingest_workers_share_the_files_of_one_server_without_losing_or_doubling_any(tmp_path, own_chroma_url):
    docs = tmp_path / "docs"
    write(docs / "east" / "report.txt", ARTICLE)  # two names that give one id: one worker must take both
    write(docs / "west" / "report.txt", town(99).replace("Power cut", "Storm"))
    copy = "Grain port\n\nTwo grain silos were hit in the port of Odesa on Tuesday, officials said.\n"
    write(docs / "odesa.txt", copy)  # the same text twice: one worker must see both to skip the copy
    write(docs / "port-copy.txt", copy)
    for number in range(10):
        write(docs / f"town_{number:02d}.txt", town(number))
    command = [sys.executable, "-m", "consistency", "ingest", str(docs), "--chroma-url", own_chroma_url, "--json"]
    workers = [
        subprocess.Popen([*command, "--shard", f"{k}/2"], env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for k in (1, 2)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err.decode() for _, err in outputs]
    reports = [IngestReport.model_validate_json(out) for out, _ in outputs]
    handled = [{Path(f.path).relative_to(docs).as_posix(): f for f in report.files} for report in reports]
    assert all(handled) and not set(handled[0]) & set(handled[1])  # each worker did some, none the same file
    every = {**handled[0], **handled[1]}
    assert len(every) == 14
    assert any({"east/report.txt", "west/report.txt"} <= set(share) for share in handled)
    assert any({"odesa.txt", "port-copy.txt"} <= set(share) for share in handled)
    assert sorted(f.outcome for f in every.values()).count("duplicate") == 1
    checker = Checker(chroma_url=own_chroma_url)
    stored = checker.sources()
    assert len(stored) == 13 == len({s.id for s in stored})
    assert sorted(s.id for s in stored if s.id.startswith("report")) == sorted(
        source for f in every.values() if "report" in f.path for source in f.sources
    )
    assert checker.store.pending_paths() == [] and checker.verify().problems == []
    assert checker.status().claims == sum(s.claims or 0 for s in stored)
    answer = checker.ask("How many grain silos were hit in the port of Odesa?")
    assert answer.status == "answered" and "Two grain silos" in " ".join(c.quote for c in answer.citations)


@pytest.mark.slow
def test_a_workers_journal_is_its_own_until_its_lease_runs_out(tmp_path, own_chroma_url, monkeypatch):
    from consistency.index import store as store_module

    assert Checker(chroma_url=own_chroma_url).ingest([write(tmp_path / "kharkiv.txt", ARTICLE)]).ok
    working = store_module.Store(tmp_path / "unused", chroma_url=own_chroma_url)
    working._journal([str(tmp_path / "being-written.txt")])  # another worker, mid-batch
    # A worker starting now leaves a fresh entry alone: its writer may be alive.
    assert Checker(chroma_url=own_chroma_url).ingest([write(tmp_path / "town.txt", town(1))]).ok
    assert Checker(chroma_url=own_chroma_url).store.pending_paths() == [str(tmp_path / "being-written.txt")]
    # Past its lease, it is a dead writer's, and the next worker finishes it.
    monkeypatch.setattr(store_module, "WRITER_LEASE_SECONDS", 0.0)
    assert Checker(chroma_url=own_chroma_url).ingest([write(tmp_path / "town2.txt", town(2))]).ok
    checker = Checker(chroma_url=own_chroma_url)
    assert checker.store.pending_paths() == [] and len(checker.sources()) == 3


def test_shard_needs_a_chroma_server(tmp_path):
    with pytest.raises(InputError, match="Chroma server"):
        Checker(store=tmp_path / "store").ingest([write(tmp_path / "a.txt", ARTICLE)], shard="1/2")
