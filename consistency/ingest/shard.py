"""One ingest worker's share of the files, when several feed one Chroma
server (`consistency ingest --shard K/N`, in processes or on machines that
see the same folders).

Workers do not talk to each other: each works out the same split of the
same files and takes its own part, so no file is read twice or left out.
Files that only one worker may read stay together in one group: files
whose names give the same source id (two workers would each take the id,
and one file's record would overwrite the other's), and files with the
same text (a copy is recognised, and skipped, only by a worker that sees
both). A group goes to the worker a hash of its first key names. Every
worker hashes every file's bytes for this: about a second for 20,000 news
articles, against minutes of embedding its share.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from ..errors import InputError
from .files import FileCandidate, file_hash, read_bytes, readable_id


@dataclass(frozen=True)
class Shard:
    number: int  # 1-based, as written on the command line
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """ "K/N": the K-th of N workers."""
        number, _, count = text.partition("/")
        if not (number.strip().isdigit() and count.strip().isdigit()) or not 1 <= int(number) <= int(count):
            raise InputError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 1/2")
        return cls(int(number), int(count))

    def select(self, candidates: list[FileCandidate], max_file_mb: float) -> list[FileCandidate]:
        """The candidates this worker reads, in their order."""
        if self.count == 1:
            return candidates
        groups = _Groups()
        keys = [_keys(candidate, max_file_mb) for candidate in candidates]
        for first, *rest in keys:
            for key in rest:
                groups.join(first, key)
        return [c for c, (first, *_) in zip(candidates, keys, strict=True) if self._owns(groups.first(first))]

    def _owns(self, key: str) -> bool:
        return int(hashlib.sha1(key.encode()).hexdigest(), 16) % self.count == self.number - 1


def _keys(candidate: FileCandidate, max_file_mb: float) -> list[str]:
    """What ties a file to others: its id, and its text when it can be read
    (one that cannot fails in the worker that owns its id)."""
    keys = [f"id:{readable_id(candidate.path)}"]
    with contextlib.suppress(InputError, OSError):
        keys.append(f"text:{file_hash(read_bytes(candidate.path, max_file_mb))}")
    return keys


class _Groups:
    """Union-find over keys; a group is named by its smallest key, which
    every worker finds the same."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def first(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: str, b: str) -> None:
        a, b = self.first(a), self.first(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
