"""Settings: where the store lives, which backends run, and the limits.

Every setting has an environment variable, so that the CLI, the MCP server
and the eval harness agree without passing flags around.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

DEFAULT_STORE = Path(".consistency")

# Bad-input limits. A question longer than this is a pasted document, not a
# question; a file bigger than this is almost surely not an article.
MAX_QUESTION_CHARS = 2_000
DEFAULT_MAX_FILE_MB = 10.0


class Settings(BaseModel):
    store: Path = DEFAULT_STORE
    chroma_url: str | None = None
    top_k: int = 8
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    # The store was chosen by nobody: the CLI may then fill it with the
    # bundled corpus on first use.
    store_is_default: bool = True

    @classmethod
    def from_env(cls, store: Path | str | None = None, chroma_url: str | None = None) -> "Settings":
        env_store = os.environ.get("CONSISTENCY_STORE")
        chosen_store = store or env_store
        return cls(
            store=Path(chosen_store) if chosen_store else DEFAULT_STORE,
            chroma_url=chroma_url or os.environ.get("CONSISTENCY_CHROMA_URL") or None,
            top_k=int(os.environ.get("CONSISTENCY_TOP_K", 8)),
            max_file_mb=float(os.environ.get("CONSISTENCY_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)),
            store_is_default=chosen_store is None,
        )


def bundled_path(name: str) -> Path:
    """A folder shipped with the package (`corpus`, `prompts`).

    A wheel carries them inside the package; a source checkout keeps them at
    the top of the repository.
    """
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_bundled" / name, package_dir.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} is missing from this installation")
