"""The package structure stays as issue 19 left it: no import cycle between sro's subpackages and top modules
(imports inside functions and under TYPE_CHECKING count), graph_store imports nothing from sro, no module over
400 lines, no function over 60 lines, `Any` in few parameter annotations."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sro", "graph_store", "pipelines")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_ANY_SHARE = 0.03  # share of parameter annotations that mention Any (issue 19 target; 0.022 measured)


def sources() -> list[Path]:
    return sorted(p for name in PACKAGES for p in (ROOT / name).rglob("*.py"))


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The part a module belongs to: sro.<subpackage or top module>, or a top package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "sro" and len(parts) > 1 else parts[0]


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if not node.level:
        return [node.module or ""]
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return [".".join(base + ([node.module] if node.module else []))]


def import_graph() -> dict[str, set[str]]:
    # Every import counts, also inside functions and under `if TYPE_CHECKING:`: a type-only import upward is
    # still a dependency upward. The types that replaced `Any` needed none (they point down or sideways).
    edges: dict[str, set[str]] = defaultdict(set)
    for path in sources():
        module = module_of(path)
        for node in ast.walk(ast.parse(path.read_text())):
            for target in imported(node, module, path.name == "__init__.py"):
                if target.split(".")[0] in PACKAGES and unit(target) != unit(module):
                    edges[unit(module)].add(unit(target))
    return edges


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Edges a -> b where b also reaches a."""
    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return False

    return sorted((a, b) for a, targets in edges.items() for b in targets if reaches(b, a))


def test_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b"), ("b", "c"), ("c", "a")]


def test_no_import_cycle_between_parts():
    assert cycles(import_graph()) == []


def test_graph_store_imports_nothing_from_sro():
    assert not {t for t in import_graph().get("graph_store", set()) if t.startswith("sro")}


def test_modules_and_functions_are_short():
    big, long = [], []
    for path in sources():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            big.append(str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert big == [] and long == []


def test_few_parameters_are_annotated_any():
    total = anys = 0
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = node.args
            params = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
            for param in params:
                if param.arg in ("self", "cls"):
                    continue
                total += 1
                anys += param.annotation is not None and "Any" in ast.unparse(param.annotation)
    assert anys / total < MAX_ANY_SHARE
