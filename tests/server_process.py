"""A real `consistency serve` process, or a real `chroma run`, on a free
loopback port, for the server tests and the benchmarks: started as a user
starts it, stopped afterwards."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: object  # the server's stderr, a file: a pipe nobody reads could fill and stall it

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()


@contextlib.contextmanager
def running_server(*args: str, env: dict[str, str], timeout: float = 120) -> Iterator[Server]:
    port = free_port()
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed when the server stops
    process = subprocess.Popen(
        [sys.executable, "-m", "consistency", "serve", *args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_for_port(server, port, timeout)
        yield server
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(server: Server, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited with {server.process.returncode}: {server.stderr()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise AssertionError("the server did not start listening in time")


@contextlib.contextmanager
def running_chroma(folder: Path, log: IO | None = None, timeout: float = 120) -> Iterator[str]:
    """A real `chroma run` keeping its data in `folder`; yields its URL."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    command = [chroma, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"chroma run did not start (data in {folder})") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=120)
