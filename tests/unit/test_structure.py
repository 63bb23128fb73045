"""Structural rules of the production tree (udfs/, sync/, addin/, workbook_templates/).

- No test machinery: no module reads an environment variable meant for tests (`*TEST*`); fault
  injection goes through seams the tests own (e.g. `reports.filing.checkpoint`, replaced by
  tests/fakes/kill_at.py).
- `Config` is typed in the sync: every parameter named `config` / `cfg` of a function in
  `sync/` has an annotation (mypy then checks every use of it).
- No import cycle between modules: the graph has an arrow from a module to every project module
  one of its import statements names — at the top or inside a function alike (an import moved
  into a function still is an arrow), except under `if TYPE_CHECKING:` (never run). `from p
  import x` points at `p.x` when that is a module, else at `p` (its `__init__`). The plug-in
  tables (`sources.registry`, `reports.specs`, the CLI's PLUGINS) name modules as strings,
  imported on use: an arrow the table owns, not a cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = ("udfs", "sync", "addin", "workbook_templates")
PACKAGES = {
    "udfs": "followup.udfs",
    "sync": "followup.sync",
    "addin": "followup.addin",
    "workbook_templates": "followup.templates",
}


def _sources():
    for folder in PRODUCTION:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def test_no_production_module_reads_a_test_environment_variable():
    env_read = re.compile(r"""(?:environ(?:\.get)?|getenv)\s*[\[(]\s*["']([A-Z0-9_]*TEST[A-Z0-9_]*)["']""")
    found = [f"{p.relative_to(REPO)}: {m}" for p, text in _sources() for m in env_read.findall(text)]
    assert not found, found
    assert sum(1 for _ in _sources()) > 100  # the walk saw the tree


def test_every_config_parameter_in_the_sync_is_typed():
    untyped, seen = [], 0
    for path in sorted((REPO / "sync").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                    if arg.arg in ("config", "cfg"):
                        seen += 1
                        if arg.annotation is None:
                            untyped.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}({arg.arg})")
    assert seen > 20 and not untyped, untyped


def _modules() -> dict[str, tuple[Path, bool]]:
    """module name → (its file, whether it is a package's __init__)."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in (REPO / folder).rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            init = parts[-1] == "__init__"
            out[".".join([package, *(parts[:-1] if init else parts)])] = (path, init)
    return out


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, init) in modules.items():
        package = name if init else name.rpartition(".")[0]
        arrows: set[str] = set()

        def visit(node: ast.AST, package: str = package, arrows: set[str] = arrows) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for stmt in child.orelse:
                        visit(ast.Module(body=[stmt], type_ignores=[]))
                    continue
                if isinstance(child, ast.Import):
                    arrows.update(a.name for a in child.names if a.name in modules)
                elif isinstance(child, ast.ImportFrom):
                    if child.level:
                        base = package.split(".")[: len(package.split(".")) - child.level + 1]
                        target = ".".join(base + ([child.module] if child.module else []))
                    else:
                        target = child.module or ""
                    for a in child.names:
                        sub = f"{target}.{a.name}"
                        if sub in modules:
                            arrows.add(sub)
                        elif target in modules:
                            arrows.add(target)
                visit(child)

        visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        arrows.discard(name)
        graph[name] = arrows
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert len(graph) > 100 and sum(len(a) for a in graph.values()) > 300  # the walk saw the tree
    assert not cycles(graph), cycles(graph)


def test_the_cycle_check_sees_imports_inside_functions_and_finds_cycles():
    graph = import_graph()
    assert "followup.sync.crm.sheets" in graph["followup.sync.pipeline"]  # imported inside _run
    assert "followup.sync.deadline" in graph["followup.sync.result"]
    graph["followup.sync.deadline"] = graph["followup.sync.deadline"] | {"followup.sync.result"}
    assert ["followup.sync.deadline", "followup.sync.result"] in cycles(graph)
    nested = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(nested) == [["a", "b", "c"]]
