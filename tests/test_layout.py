"""The house a newcomer reads: packages by concern, each saying what it owns, no import
circles, no module too long to read, and tests that import helpers, never other tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("auth_server", "resource_server", "shared")
MAX_LINES = 300
MAX_TOP_LEVEL_MODULES = 12


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports anywhere in it, type-checking imports included;
    `from package import module` counts as importing the module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & known
            found |= submodules
            if len(submodules) < len(node.names) and node.module in known:
                found.add(node.module)
    return found


def import_graph(*folders: str) -> dict[str, set[str]]:
    paths = {module_name(path): path for path in python_files(*folders)}
    known = set(paths)
    return {name: imported_modules(path, known) - {name} for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_circles_anywhere() -> None:
    graph = import_graph(*SERVICES, "devtools", "tests")
    assert find_cycle(graph) is None


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_services_never_import_each_other() -> None:
    graph = import_graph(*SERVICES)
    for module, targets in graph.items():
        own = module.split(".")[0]
        others = {t.split(".")[0] for t in targets} - {own, "shared"}
        assert not others, f"{module} imports {others}"
        if own == "shared":
            assert not {t for t in targets if not t.startswith("shared")}, module


def test_the_auth_server_keeps_few_modules_at_its_top_level() -> None:
    top = sorted(path.name for path in (ROOT / "auth_server").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


@pytest.mark.parametrize(
    "package",
    sorted(
        str(path.parent.relative_to(ROOT))
        for path in python_files(*SERVICES)
        if path.name == "__init__.py"
    ),
)
def test_every_package_says_what_it_owns(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
    assert docstring, f"{package}/__init__.py has no docstring"
    if package.count("/"):
        assert "import" in docstring, f"{package} does not say what it may import"


def test_no_module_is_too_long_to_read() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in python_files(*SERVICES, "devtools", "tests")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long


def test_test_files_import_helpers_never_other_tests() -> None:
    tests = {module_name(path) for path in python_files("tests") if path.name.startswith("test_")}
    for path in python_files("tests"):
        imported = imported_modules(path, tests)
        assert not imported, f"{path.relative_to(ROOT)} imports {sorted(imported)}"
