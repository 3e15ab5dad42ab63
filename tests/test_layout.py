"""The house rules, checked: data flows one way (files -> passages ->
claims -> readings -> answer), each folder imports only the folders below
it, as its `__init__.py` says, and each says so."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "consistency"
VOCABULARY = {"errors", "models", "config"}
PIPELINE = {"text", "index", "llm", "extract", "ingest", "reason"}
# What each part of the package may import, besides itself: the folders of
# the pipeline below it, the shared vocabulary, and for the shells the API.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "config": {"errors"},
    "models": {"errors"},
    "text": {"errors"},
    "index": VOCABULARY | {"text"},
    "llm": VOCABULARY | {"text"},
    "extract": VOCABULARY | {"text", "llm"},
    "ingest": VOCABULARY | {"text", "index", "extract"},
    "reason": VOCABULARY | {"text", "index", "extract", "llm"},
    "checker": VOCABULARY | PIPELINE,
    "server": VOCABULARY | PIPELINE | {"checker", "__init__"},
    "eval": VOCABULARY | PIPELINE | {"checker", "shells"},
    "shells": VOCABULARY | PIPELINE | {"checker", "server", "eval", "__init__"},
    "__init__": VOCABULARY | {"checker"},
    "__main__": {"shells"},
}


def _imports(module: Path) -> set[str]:
    """The parts of the package a module imports (its own part aside)."""
    relative = module.relative_to(PACKAGE)
    part = relative.parts[0] if len(relative.parts) > 1 else relative.stem
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:  # from ..text.terms import terms; from . import candidates
            folders = list(relative.parts[:-1])
            base = folders[: len(folders) - (node.level - 1)]
            # "from .. import __version__" at the top imports the package's __init__.
            target = base + (node.module.split(".") if node.module else [node.names[0].name] if base else ["__init__"])
        elif node.module and node.module.split(".")[0] == "consistency":
            target = node.module.split(".")[1:] or [node.names[0].name]
        else:
            continue
        if target and target[0] != part:
            found.add(target[0])
    return found


def test_every_part_imports_only_what_lies_below_it():
    wrong = []
    for module in sorted(PACKAGE.rglob("*.py")):
        relative = module.relative_to(PACKAGE)
        part = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        assert part in ALLOWED, f"{relative}: a new part of the package needs its place in ALLOWED"
        wrong += [f"{relative} imports {name}" for name in sorted(_imports(module) - ALLOWED[part])]
    assert not wrong, wrong


def test_every_folder_says_what_lives_there_and_what_it_may_import():
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert docstring and "may import" in docstring.lower(), folder.name
