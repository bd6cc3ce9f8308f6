"""No import cycles among aiuteur's modules.

Every `import` counts — at module top or inside a function (a lazy import hides a cycle from
Python, not from the design) — except those under `if TYPE_CHECKING:`. A cycle is reported with
the edges that make it (module -> module, line), so the fix is to move the shared helper below
both (as `aiuteur.engines.records` sits below the gateway and the job runner).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_graph(root: Path, package: str) -> dict[str, dict[str, int]]:
    """module -> {imported module of the same package: line}. `from a import b` is an edge to `a.b`
    when that is a module, else to `a`; relative imports are resolved."""
    modules = {_module_name(root, p): p for p in (root / package).rglob("*.py")}
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges: dict[str, int] = {}

        def add(target: str, line: int) -> None:
            if target in modules and target != name:
                edges.setdefault(target, line)

        def visit(node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child.test):
                    for other in child.orelse:
                        visit_statement(other)
                    continue
                visit_statement(child)

        def visit_statement(node: ast.AST) -> None:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source, node.lineno)
            visit(node)

        visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _describe(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    members = set(component)
    edges = [f"    {a} -> {b} (line {line})" for a in component for b, line in sorted(graph[a].items()) if b in members]
    return " <-> ".join(component) + "\n" + "\n".join(edges)


def test_aiuteur_has_no_import_cycle():
    graph = import_graph(ROOT, "aiuteur")
    assert len(graph) > 100  # the walk really found the package
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(_describe(graph, c) for c in found)


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub.b"] == {"pkg.a": 2} and graph["pkg.c"] == {}
    assert cycles(graph) == [["pkg.a", "pkg.sub.b"]]


def test_the_gateway_and_the_jobs_and_stages_11_and_12_stay_apart():
    """The two cycles issue 14 named: the job runner uses `engines.records`, not the gateway; stage
    11 uses `stages.clip_requests`, not stage 12."""
    graph = import_graph(ROOT, "aiuteur")
    assert not [m for m in graph if m.startswith("aiuteur.jobs") and "aiuteur.engines.gateway" in graph[m]]
    assert "aiuteur.stages.video" not in graph["aiuteur.stages.confirm"]
