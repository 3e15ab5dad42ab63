"""Ingest into a real Chroma store: idempotence, replacement, bad input."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from consistency import Checker, InputError, StoreError
from consistency.index.generations import live_folder

from .conftest import ARTICLE, write


def stored_passage_ids(checker: Checker) -> set[str]:
    return {p.id for p in checker.store.all_passages()}


def test_bundled_corpus_becomes_thirteen_sources_with_metadata(corpus_checker):
    infos = {info.id: info for info in corpus_checker.sources()}
    assert len(infos) == 13  # 4 single-article pages + the 9 articles of 002
    assert infos["001_30b2e4f4dd567c59"].outlet == "Financial Times (republished)"
    assert infos["001_30b2e4f4dd567c59"].published == "2025-07"
    assert infos["002_d34c1c6bf8382799#8"].title == "Ukraine Reports Downing 48 Russian Drones"
    assert all(info.chunks > 0 for info in infos.values())
    # Each source counts the claims read from it, and together they are the store's.
    claims = [claim for page in corpus_checker.store.claim_pages() for claim in page]
    assert {i: info.claims for i, info in infos.items()} == {i: sum(c.source_id == i for c in claims) for i in infos}
    assert sum(info.claims or 0 for info in infos.values()) == corpus_checker.status().claims > 0


def test_every_stored_passage_is_a_verbatim_slice_of_its_stored_source(corpus_checker):
    passages = corpus_checker.store.all_passages()
    sources = corpus_checker.store.sources([p.source_id for p in passages])
    for passage in passages:
        assert sources[passage.source_id].text[passage.start : passage.end] == passage.text


def test_reingesting_unchanged_files_changes_nothing(tmp_path, empty_checker):
    write(tmp_path / "docs" / "a.txt", ARTICLE)
    first = empty_checker.ingest([tmp_path / "docs"])
    before = stored_passage_ids(empty_checker)
    revision = empty_checker.store.revision()
    second = empty_checker.ingest([tmp_path / "docs"])
    assert [f.outcome for f in first.files] == ["added"]
    assert [f.outcome for f in second.files] == ["unchanged"]
    assert stored_passage_ids(empty_checker) == before
    assert empty_checker.store.revision() == revision


def test_a_changed_file_replaces_its_own_passages_and_nothing_else(tmp_path, empty_checker):
    a = write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "b.txt", ARTICLE.replace("Kharkiv", "Odesa"))
    empty_checker.ingest([tmp_path])
    b_before = {p.id for p in empty_checker.store.all_passages() if p.source_id == "b"}
    write(a, ARTICLE.replace("42 drones", "57 drones"))
    report = empty_checker.ingest([tmp_path])
    assert {f.path: f.outcome for f in report.files} == {str(a): "updated", str(tmp_path / "b.txt"): "unchanged"}
    passages = empty_checker.store.all_passages()
    a_text = " ".join(p.text for p in passages if p.source_id == "a")
    assert "57 drones" in a_text and "42 drones" not in a_text
    assert {p.id for p in passages if p.source_id == "b"} == b_before


def test_same_file_name_in_two_folders_gets_two_sources(tmp_path, empty_checker):
    write(tmp_path / "x" / "report.txt", ARTICLE)
    write(tmp_path / "y" / "report.txt", ARTICLE.replace("Kharkiv", "Lviv"))
    report = empty_checker.ingest([tmp_path / "x", tmp_path / "y"])
    ids = sorted(s for f in report.files for s in f.sources)
    assert len(ids) == 2 and ids[0] == "report" and ids[1].startswith("report-")


def test_metadata_json_beside_the_files_sets_title_outlet_and_date(tmp_path, empty_checker):
    write(tmp_path / "a.txt", ARTICLE)
    write(
        tmp_path / "metadata.json",
        json.dumps({"a.txt": {"title": "Kharkiv raid", "outlet": "Example Post", "published": "2024-05-06"}}),
    )
    empty_checker.ingest([tmp_path])
    (info,) = empty_checker.sources()
    assert (info.title, info.outlet, info.published) == ("Kharkiv raid", "Example Post", "2024-05-06")


# ---- bad input: one clear message per file, the rest still ingested ----


def test_mixed_folder_ingests_the_good_files_and_reports_each_bad_one(tmp_path, empty_checker):
    folder = tmp_path / "mixed"
    write(folder / "good.txt", ARTICLE)
    write(folder / "good.md", "# Odesa port\n\nRussia fired 12 missiles at Odesa port on Tuesday, officials said.\n")
    write(folder / "empty.txt", "")
    write(folder / "blank.txt", "   \n\n  ")
    write(folder / "binary.txt", bytes(range(256)) * 10)
    write(folder / "latin1.txt", ARTICLE.replace("Kharkiv", "Kharkiv café").encode("latin-1"))
    write(
        folder / "broken.html",
        "<html><body><p>Shelling hit 14 villages in Sumy region on Friday, officials said.<div><p>unclosed",
    )
    write(folder / "photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100))  # not an article type: ignored in folders
    report = empty_checker.ingest([folder])
    outcome = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert set(outcome) == {"good.txt", "good.md", "empty.txt", "blank.txt", "binary.txt", "latin1.txt", "broken.html"}
    assert outcome["good.txt"].outcome == outcome["good.md"].outcome == "added"
    assert outcome["broken.html"].outcome == "added"
    assert outcome["latin1.txt"].outcome == "added" and "not UTF-8" in outcome["latin1.txt"].error
    assert "file is empty" in outcome["empty.txt"].error and "file is empty" in outcome["blank.txt"].error
    assert "binary file" in outcome["binary.txt"].error
    assert not report.ok
    for failed in report.failed:
        assert "\n" not in failed.error
    latin = empty_checker.source("latin1")
    assert "Kharkiv café" in latin.text


def test_missing_path_fails_alone(tmp_path, empty_checker):
    good = write(tmp_path / "a.txt", ARTICLE)
    report = empty_checker.ingest([tmp_path / "nope.txt", good])
    assert [f.outcome for f in report.files] == ["failed", "added"]
    assert "no such file or folder" in report.files[0].error


def test_a_path_with_a_nul_byte_fails_alone(tmp_path, empty_checker):
    # A server client can send any string as a path; schemathesis sent "\x00".
    report = empty_checker.ingest(["a\x00b", write(tmp_path / "a.txt", ARTICLE)])
    assert [f.outcome for f in report.files] == ["failed", "added"]
    assert "not a usable path" in report.files[0].error


def test_a_file_over_the_size_limit_is_refused_with_its_size(tmp_path, empty_checker):
    big = tmp_path / "big.txt"
    with big.open("w") as handle:
        line = "Russia launched drones at Kyiv overnight, officials said on Monday morning.\n"
        handle.write(line * (50 * 1024 * 1024 // len(line) + 1))
    report = empty_checker.ingest([big])
    assert report.files[0].outcome == "failed"
    assert "50.0 MB; the limit is 10 MB" in report.files[0].error


def test_unsupported_file_named_explicitly_is_refused(tmp_path, empty_checker):
    report = empty_checker.ingest([write(tmp_path / "data.csv", "a,b\n1,2\n")])
    assert "unsupported file type" in report.files[0].error


def test_corrupt_store_gives_one_line_and_is_left_untouched(tmp_path):
    store = tmp_path / "store"
    Checker(store=store).ingest([write(tmp_path / "a.txt", ARTICLE)])
    database = live_folder(store) / "chroma.sqlite3"
    database.write_bytes(b"this is not a database" * 500)
    damaged = database.read_bytes()
    with pytest.raises(StoreError, match="cannot open the store") as error:
        Checker(store=store).sources()
    assert "\n" not in str(error.value)
    assert database.read_bytes() == damaged


def test_store_path_that_is_a_file_is_refused(tmp_path):
    with pytest.raises(StoreError, match="it is a file"):
        Checker(store=write(tmp_path / "oops", "x")).sources()


@pytest.mark.slow
def test_ingest_waits_for_a_store_locked_by_another_process_and_loses_nothing(tmp_path):
    store = tmp_path / "store"
    checker = Checker(store=store)
    checker.ingest([write(tmp_path / "a.txt", ARTICLE)])
    before = stored_passage_ids(checker)
    locked = threading.Event()

    def hold_lock():
        connection = sqlite3.connect(live_folder(store) / "chroma.sqlite3", isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(2)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait()
    report = Checker(store=store).ingest([write(tmp_path / "b.txt", ARTICLE.replace("Kharkiv", "Dnipro"))])
    holder.join()
    assert report.ok
    after = stored_passage_ids(Checker(store=store))
    assert before < after


def test_paths_may_be_given_as_strings(tmp_path, empty_checker):
    # The README's own call: Checker.ingest(["articles/"]).
    write(tmp_path / "articles" / "a.txt", ARTICLE)
    report = empty_checker.ingest([f"{tmp_path / 'articles'}/"])
    assert [f.outcome for f in report.files] == ["added"]


def test_a_copy_of_a_stored_text_is_skipped_so_no_article_counts_twice(tmp_path, empty_checker):
    original = write(tmp_path / "a" / "report.txt", ARTICLE)
    empty_checker.ingest([original])
    copies = [write(tmp_path / "b" / "copy.txt", ARTICLE), write(tmp_path / "b" / "again.txt", ARTICLE)]
    report = empty_checker.ingest(copies)
    assert [f.outcome for f in report.files] == ["duplicate", "duplicate"]
    assert all(f.sources == ["report"] and str(original) in (f.error or "") for f in report.files)
    assert [info.id for info in empty_checker.sources()] == ["report"]
    # Within one run too: the second of two identical new files is the copy.
    twins = [write(tmp_path / "c" / name, ARTICLE + " More.") for name in ("one.txt", "two.txt")]
    outcomes = {Path(f.path).name: f.outcome for f in empty_checker.ingest(twins).files}
    assert outcomes == {"one.txt": "added", "two.txt": "duplicate"}


def test_a_moved_file_keeps_its_ids_and_takes_the_new_path(tmp_path, empty_checker):
    old = write(tmp_path / "old" / "report.txt", ARTICLE)
    empty_checker.ingest([old])
    before = stored_passage_ids(empty_checker)
    new = tmp_path / "new" / "renamed.txt"
    new.parent.mkdir()
    old.rename(new)
    [result] = empty_checker.ingest([new]).files
    assert result.outcome == "moved" and result.sources == ["report"] and str(old.resolve()) in (result.error or "")
    [info] = empty_checker.sources()
    assert info.id == "report" and info.path == str(new.resolve())
    assert stored_passage_ids(empty_checker) == before
    assert empty_checker.verify().ok
    write(new, ARTICLE.replace("Kharkiv", "Lviv"))  # a later change replaces every passage of the moved file
    assert [f.outcome for f in empty_checker.ingest([new]).files] == ["updated"]
    passages = empty_checker.store.all_passages()
    assert not any("Kharkiv" in p.text for p in passages) and len(passages) == empty_checker.sources()[0].chunks


def test_remove_forgets_sources_by_id_file_or_folder_and_refuses_what_is_not_stored(tmp_path, empty_checker):
    files = [write(tmp_path / "x" / f"r{n}.txt", ARTICLE.replace("Kharkiv", place)) for n, place in enumerate(PLACES)]
    empty_checker.ingest(files)
    with pytest.raises(InputError, match="not in the store: nothing-here"):
        empty_checker.remove(["r0", "nothing-here"])
    assert len(empty_checker.sources()) == len(PLACES)  # nothing removed
    assert [i.id for i in empty_checker.remove(["r0"])] == ["r0"]
    assert [i.id for i in empty_checker.remove([str(files[1])])] == ["r1"]
    assert {i.id for i in empty_checker.remove([tmp_path / "x"])} == {"r2", "r3"}
    assert empty_checker.sources() == [] and stored_passage_ids(empty_checker) == set()
    assert empty_checker.store.claim_count() == 0
    assert [f.outcome for f in empty_checker.ingest(files[:1]).files] == ["added"]  # and can come back


PLACES = ["Kharkiv", "Lviv", "Odesa", "Dnipro"]


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_split_the_files_so_that_each_is_read_once_and_namesakes_and_copies_stay_together(tmp_path, workers):
    from consistency.ingest.files import find_files
    from consistency.ingest.shard import Shard

    for number in range(20):
        write(tmp_path / "a" / f"story_{number}.txt", f"Story {number}\n\nBody {number}.\n")
        write(tmp_path / "b" / f"story_{number}.txt", f"Other story {number}\n\nBody {number}.\n")  # same id
        write(tmp_path / f"copy_{number}.txt", f"Other story {number}\n\nBody {number}.\n")  # same text
    candidates = list(find_files([tmp_path]))
    shares = [{c.path for c in Shard(k, workers).select(candidates, 5.0)} for k in range(1, workers + 1)]
    assert sorted(p for share in shares for p in share) == sorted(c.path for c in candidates)
    assert all(shares)
    for number in range(20):
        together = {tmp_path / d / f"story_{number}.txt" for d in "ab"} | {tmp_path / f"copy_{number}.txt"}
        assert sum(together <= share for share in shares) == 1


@pytest.mark.parametrize("written", ["0/2", "3/2", "1-2", "x/y", "1/0"])
def test_a_shard_not_written_as_k_of_n_is_refused(written):
    from consistency.ingest.shard import Shard

    with pytest.raises(InputError, match="K/N"):
        Shard.parse(written)


def test_one_metadata_json_for_a_large_folder_is_parsed_once_and_again_when_it_changes(tmp_path, monkeypatch):
    from consistency.ingest import read

    names = [f"note_{number:02d}.txt" for number in range(30)]
    for number, name in enumerate(names):
        write(tmp_path / name, f"Note {number}\\n\\nThe council met {number + 2} times.\\n")
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps({name: {"outlet": "Gazette"} for name in names}), encoding="utf-8")
    parsed = []
    monkeypatch.setattr(read.json, "loads", lambda text: parsed.append(1) or json.JSONDecoder().decode(text))
    assert all(read.folder_metadata(tmp_path).get(name) == {"outlet": "Gazette"} for name in names)
    assert len(parsed) == 1
    metadata.write_text(json.dumps({name: {"outlet": "Herald"} for name in names}), encoding="utf-8")
    assert read.folder_metadata(tmp_path)[names[0]] == {"outlet": "Herald"} and len(parsed) == 2


def test_a_metadata_json_that_is_not_an_object_fails_its_files_with_one_line(tmp_path, empty_checker):
    write(tmp_path / "note.txt", "Note\n\nThe council met twice.\n")
    write(tmp_path / "metadata.json", "[1, 2]")
    (result,) = empty_checker.ingest([tmp_path]).files
    assert result.outcome == "failed" and "metadata.json: expected an object" in (result.error or "")
