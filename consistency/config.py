"""Settings: where the store lives, which backends run, and the limits.

Every setting has an environment variable, so that the CLI, the MCP server
and the eval harness agree without passing flags around.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from .errors import InputError

DEFAULT_STORE = Path(".consistency")

# Bad-input limits. A question longer than this is a pasted document, not a
# question; a file bigger than this is almost surely not an article.
MAX_QUESTION_CHARS = 2_000
DEFAULT_MAX_FILE_MB = 10.0


Backend = Literal["auto", "local", "openai", "openai-compatible", "none"]

# LLM settings by environment variable; the same names (lower case, without
# the prefix) work in the [llm] table of the config file.
_LLM_ENV = {
    "backend": "CONSISTENCY_LLM",
    "model": "CONSISTENCY_LLM_MODEL",
    "base_url": "CONSISTENCY_LLM_URL",
    "api_key": "CONSISTENCY_LLM_API_KEY",
    "model_path": "CONSISTENCY_MODEL_PATH",
    "timeout": "CONSISTENCY_LLM_TIMEOUT",
    "retries": "CONSISTENCY_LLM_RETRIES",
    "threads": "CONSISTENCY_LLM_THREADS",
}


class LLMSettings(BaseModel):
    """Which LLM writes answers. `auto`: the local model when installed, else none."""

    backend: Backend = "auto"
    model: str | None = Field(None, description="model name for openai / openai-compatible")
    base_url: str | None = Field(None, description="openai-compatible server, e.g. http://127.0.0.1:8080/v1")
    api_key: str | None = Field(None, repr=False)
    model_path: Path | None = Field(None, description="a GGUF file for the local backend")
    timeout: float = Field(60.0, gt=0, description="seconds to wait for a remote reply")
    retries: int = Field(2, ge=0, description="retries with backoff for remote backends")
    threads: int | None = None
    n_ctx: int = 4096

    @classmethod
    def from_env(cls, **flags) -> LLMSettings:
        """Flags beat environment variables, which beat the config file."""
        values = dict(_config_file().get("llm", {}))
        values.update({key: os.environ[var] for key, var in _LLM_ENV.items() if os.environ.get(var)})
        values.update({key: value for key, value in flags.items() if value is not None})
        try:
            return cls(**values)
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(p) for p in problem["loc"])
            raise InputError(f"bad LLM setting {field}: {problem['msg']}") from None


def config_path() -> Path:
    root = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(os.environ.get("CONSISTENCY_CONFIG") or Path(root) / "consistency" / "config.toml")


def _config_file() -> dict:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise InputError(f"cannot read the config file {path}: {error}") from None


# llm-one-call: the LLM reading every source's candidates in one call, kept
# to measure against one short call per source (the default).
ReaderChoice = Literal["auto", "llm", "llm-one-call", "typed", "rules"]
READERS = ("auto", "llm", "llm-one-call", "typed", "rules")


class Settings(BaseModel):
    store: Path = DEFAULT_STORE
    chroma_url: str | None = None
    top_k: int = 8
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    # The store was chosen by nobody: the CLI may then fill it with the
    # bundled corpus on first use.
    store_is_default: bool = True
    llm: LLMSettings = LLMSettings()
    # Who reads the evidence: the LLM when one is available (auto), the typed
    # reader without a model, or the earlier rule reader (for comparison).
    reader: ReaderChoice = "auto"

    @classmethod
    def from_env(cls, store: Path | str | None = None, chroma_url: str | None = None, **llm_flags) -> Settings:
        env_store = os.environ.get("CONSISTENCY_STORE")
        chosen_store = store or env_store
        return cls(
            store=Path(chosen_store) if chosen_store else DEFAULT_STORE,
            chroma_url=chroma_url or os.environ.get("CONSISTENCY_CHROMA_URL") or None,
            top_k=int(os.environ.get("CONSISTENCY_TOP_K", 8)),
            max_file_mb=float(os.environ.get("CONSISTENCY_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)),
            store_is_default=chosen_store is None,
            llm=LLMSettings.from_env(**llm_flags),
            reader=reader_choice(os.environ.get("CONSISTENCY_READER") or "auto"),
        )


def reader_choice(value: str) -> ReaderChoice:
    if value not in READERS:
        raise InputError(f"unknown reader {value!r}; choose {', '.join(READERS)}")
    return value  # type: ignore[return-value]


def cache_dir() -> Path:
    """Where assembled models, prompt states, caches and the eval store live."""
    root = os.environ.get("CONSISTENCY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "consistency"
    )
    return Path(root)


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
