"""The direction of flow: sources -> store -> analysis -> outputs, checked on the imports.

Each module may import only from its own layer and the layers listed for it
(great-tables checks its core the same way).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "kostra"

ALLOWED = {
    "errors": set(),
    "names": set(),
    "formatting": set(),
    "files": set(),
    "home": set(),
    # What the command line keeps between commands: plain values, no layer below it needed.
    "profile_cache": set(),
    "catalog": {"errors", "names"},
    "sources": {"errors", "names", "catalog"},
    "store": {"errors", "catalog"},
    "analysis": {"errors", "names", "catalog", "formatting"},
    "bundle": {"errors", "names", "catalog", "sources", "analysis"},
    "placing": {"errors", "names", "catalog", "store", "analysis"},
    "importing": {"errors", "names", "catalog", "sources", "store", "analysis", "placing"},
    "fetching": {"errors", "files", "catalog", "sources", "store", "analysis", "importing", "placing"},
    "deriving": {"errors", "catalog", "store", "analysis"},
    "api": {
        "errors",
        "names",
        "catalog",
        "sources",
        "store",
        "analysis",
        "importing",
        "placing",
        "fetching",
        "deriving",
        "sector_analysis",
        "comparisons",
        "home",
        "profile_cache",
    },
    "sector_analysis": {"errors", "names", "formatting", "catalog", "analysis", "api"},
    "comparisons": {"errors", "catalog", "analysis", "api"},
    "coverage": {"errors", "catalog", "store", "api"},
    "outputs": {
        "errors",
        "names",
        "formatting",
        "files",
        "catalog",
        "analysis",
        "api",
        "fetching",
        "sector_analysis",
        "comparisons",
        "coverage",
        "home",
        "profile_cache",
    },
    "__init__": {"errors", "catalog", "analysis", "api", "home"},
    "__main__": {"outputs"},
    "data": set(),
}


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kostra."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "kostra":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("kostra."))
    return found


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        assert layer in ALLOWED, f"{path}: unknown layer {layer!r}; add it to ALLOWED"
        for target in _imported_layers(path) - {layer}:
            if target not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports kostra.{target}")
    assert not wrong, "\n".join(wrong)


def test_analysis_does_no_io() -> None:
    banned = {"duckdb", "httpx", "open", "requests", "pathlib", "os"}
    for path in (PACKAGE / "analysis").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned, path
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in banned, path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", path
