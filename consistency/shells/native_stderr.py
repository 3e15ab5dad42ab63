"""Native stderr without Rust's panic reports.

chromadb's Rust core reports a panic on the process's stderr itself, before
Python sees the exception (which the store turns into the one line a user
reads). So the CLI routes file descriptor 2 through a filter that drops
those reports and passes everything else on; Python's own sys.stderr still
writes to the terminal directly, so rich sees a terminal and progress stays
live.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable


class RustPanicReports:
    """Tells the lines of Rust's panic reports from the rest of a stream:
    a blank line, `thread '...' panicked at ...`, the message, then either
    a `note: ...` line or a stack backtrace (with RUST_BACKTRACE set),
    which ends at a `note:` or at the first line that is not a frame."""

    START = re.compile(rb"^thread '.*' (?:\(\d+\) )?panicked at ")
    FRAME = re.compile(rb"^\s+(?:\d+: |at )")

    def __init__(self) -> None:
        self.state = "pass"  # pass | message | frames
        self.blank: bytes | None = None  # held: it may open a report

    def lines(self, line: bytes) -> list[bytes]:
        """What to pass on now, given the next line (without its newline)."""
        if self.state == "message":
            if line.startswith(b"note: "):
                self.state = "pass"
            elif line.rstrip() == b"stack backtrace:":
                self.state = "frames"
            return []
        if self.state == "frames":
            if self.FRAME.match(line):
                return []
            self.state = "pass"
            if line.startswith(b"note: "):
                return []
        if self.START.match(line):
            self.state, self.blank = "message", None
            return []
        held, self.blank = ([self.blank] if self.blank is not None else []), None
        if not line.strip():
            self.blank = line
            return held
        return [*held, line]

    def rest(self) -> list[bytes]:
        return [self.blank] if self.blank is not None and self.state == "pass" else []


def _forward(source: int, terminal: int) -> None:
    reports = RustPanicReports()
    partial = b""
    while chunk := os.read(source, 65536):
        *lines, partial = (partial + chunk).split(b"\n")
        _write_all(terminal, b"".join(kept + b"\n" for line in lines for kept in reports.lines(line)))
    _write_all(terminal, b"".join(kept + b"\n" for kept in reports.rest()) + partial)
    os.close(source)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def filter_native_stderr() -> Callable[[], None]:
    """Routes file descriptor 2 (where native code writes) through
    RustPanicReports; Python's sys.stderr writes to the terminal directly,
    so rich still sees a terminal and progress stays live. Returns what
    undoes it, after passing on what is left."""
    previous = sys.stderr
    try:
        previous.flush()
        terminal = os.dup(2)
        source, sink = os.pipe()
        os.dup2(sink, 2)
        os.close(sink)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to filter
        return lambda: None
    sys.stderr = open(  # noqa: SIM115 - lives as long as the command
        terminal, "w", buffering=1, encoding=previous.encoding, errors=previous.errors, closefd=False
    )
    thread = threading.Thread(target=_forward, args=(source, terminal), daemon=True)
    thread.start()

    def undo() -> None:
        sys.stderr.flush()
        previous.flush()
        os.dup2(terminal, 2)  # closes the pipe's last writer: the thread reads its end
        thread.join(timeout=2)  # a child still holding the pipe must not hold up the exit
        sys.stderr = previous

    return undo
