"""The saved lexical index (index/lexical.py, Store.saved_lexical): a writer
saves it in the folder whose state it describes, a reader loads it instead
of reading every passage from Chroma, and a copy that does not match (an
older state, damaged files) is never trusted. Real Chroma stores on disk,
the real embedding model."""

from __future__ import annotations

from consistency import Checker
from consistency.index.generations import live_folder
from consistency.index.lexical import LexicalIndex
from consistency.index.store import Store
from consistency.text.terms import terms

from .conftest import ARTICLE, CORPUS, write

QUESTION = "How many drones were used in the record overnight attack?"


class CountingStore(Store):
    """A real store that counts how often every passage is read."""

    reads = 0

    def all_passages(self):
        CountingStore.reads += 1
        return super().all_passages()


def results(index: LexicalIndex) -> list[tuple[str, float]]:
    return [(p.id, round(p.score, 6)) for p in index.search(terms(QUESTION), 10, None)]


def test_a_reader_loads_the_index_its_writer_saved_and_finds_what_a_built_one_finds(tmp_path):
    store = tmp_path / "store"
    assert Checker(store=store).ingest([CORPUS]).ok
    [saved] = live_folder(store).glob("lexical-*")
    reader = Checker(store=store)
    reader.store = CountingStore(store)
    CountingStore.reads = 0
    loaded = reader.retriever.lexical()
    assert CountingStore.reads == 0  # not rebuilt from Chroma
    assert saved.name == f"lexical-{reader.store.revision()}"
    built = LexicalIndex(reader.store.all_passages())
    assert results(loaded) == results(built) and results(loaded)
    assert loaded.document_frequency == built.document_frequency
    assert loaded.ids == built.ids and loaded.source_ids() == {s.id for s in reader.sources()}
    # Only the passages a question reads are parsed: all of them took seconds at 100,000.
    assert 0 < len(loaded.passages._parsed) <= 10 < len(loaded.passages)  # type: ignore[attr-defined]
    assert reader.ask(QUESTION).status == "conflict"


def test_an_index_of_another_state_or_damaged_is_built_again(tmp_path):
    store, source = tmp_path / "store", write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)
    assert Checker(store=store).ingest([source]).ok
    first = {p.name for p in live_folder(store).glob("lexical-*")}
    write(source, ARTICLE.replace("42 drones", "57 drones"))
    assert Checker(store=store).ingest([source]).ok
    now = {p.name for p in live_folder(store).glob("lexical-*")}
    assert len(now) == 1 and now != first  # the older state's index is not carried over

    [saved] = live_folder(store).glob("lexical-*")
    (saved / "passages.jsonl").write_text('{"id": "broken', encoding="utf-8")
    reader = Store(store)
    assert reader.saved_lexical(reader.revision()) is None
    checker = Checker(store=store)
    texts = " ".join(p.text for p in checker.retriever.lexical().passages)
    assert "57 drones" in texts and "42 drones" not in texts
    reader.close()


def test_an_index_saved_under_other_search_terms_is_built_again(tmp_path, monkeypatch):
    store, source = tmp_path / "store", write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)
    assert Checker(store=store).ingest([source]).ok
    reader = Store(store)
    assert reader.saved_lexical(reader.revision()) is not None
    monkeypatch.setattr("consistency.index.lexical.TERMS_VERSION", "a later one")  # terms() changed since
    assert reader.saved_lexical(reader.revision()) is None
    reader.close()
