"""--chroma-url against a real `chroma run` server on loopback, started and
stopped by the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from consistency import Checker, StoreError

from .conftest import ARTICLE, write


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma")
    if chroma is None:
        pytest.fail("the `chroma` command (from the chromadb package) is not on PATH")
    port = free_port()
    server = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


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
    tmp_path, chroma_url, monkeypatch
):
    monkeypatch.setenv("CONSISTENCY_CACHE", str(tmp_path / "cache"))
    kept = tmp_path / "cache" / "lexical"
    writer = Checker(chroma_url=chroma_url)
    assert writer.ingest([write(tmp_path / "docs" / "kharkiv.txt", ARTICLE)]).ok
    first = Checker(chroma_url=chroma_url)
    assert first.ask("How many drones were launched at Kharkiv?").status == "answered"
    revision = first.store.revision()
    (saved,) = kept.iterdir()
    assert saved.name.endswith(f"-{revision}")
    # The next process on this machine loads it rather than reading every passage again.
    loaded = Checker(chroma_url=chroma_url).store.saved_lexical(revision)
    assert loaded is not None and [p.id for p in loaded.passages] == [p.id for p in first.store.all_passages()]
    # Another worker's ingest changes the server's state: the kept index is not trusted for it.
    other = "Odesa port\n\nTwo grain silos were hit in the port of Odesa on Tuesday, officials said.\n"
    assert Checker(chroma_url=chroma_url).ingest([write(tmp_path / "docs" / "odesa.txt", other)]).ok
    later = Checker(chroma_url=chroma_url)
    assert later.store.saved_lexical(later.store.revision()) is None
    assert later.ask("How many grain silos were hit in the port of Odesa?").status == "answered"
    (saved,) = kept.iterdir()  # the older state's copy is gone
    assert saved.name.endswith(f"-{later.store.revision()}")
