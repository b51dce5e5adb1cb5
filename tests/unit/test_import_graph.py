"""The packages' import graph, drawn from their import statements (function-level imports
included): no module imports itself through others, no two packages import each other, and
each package imports only the packages below it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("taxonomies", "prompts", "handlers", "pipeline", "tuning", "evaluate", "review",
            "local", "builders", "bench")
# What each package may import. The worker packages (prompts, handlers, pipeline) stand alone;
# the tools build on them. Edges marked "untangle" are known to be sideways and are to go
# (a shared reader of run outputs and decisions); no new one may be added.
ALLOWED = {
    "taxonomies": set(),
    "prompts": {"taxonomies"},
    "handlers": {"prompts"},
    "pipeline": {"handlers", "prompts", "taxonomies"},
    "tuning": {"handlers", "pipeline", "prompts", "taxonomies"},
    "evaluate": {"handlers", "pipeline", "taxonomies"},
    "review": {"pipeline", "taxonomies"},
    # The demos: the streaming one and the review loop (pipeline, review app, report).
    "local": {"pipeline", "review", "evaluate"},
    "builders": {"handlers", "pipeline", "prompts"},
    "bench": {"builders", "handlers", "local", "pipeline", "prompts", "taxonomies"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                target = resolve(name)
                # A package's __init__ is imported by its own modules' import: not an edge.
                if target and target != module and not module.startswith(target + "."):
                    targets.add(target)
        graph[module] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _package_graph() -> dict[str, set[str]]:
    packages = {p: set() for p in PACKAGES}
    for module, targets in _graph().items():
        for target in targets:
            a, b = module.split(".")[0], target.split(".")[0]
            if a != b:
                packages[a].add(b)
    return packages


def test_no_module_imports_itself_through_others():
    assert _cycles(_graph()) == []


def test_no_two_packages_import_each_other():
    assert _cycles(_package_graph()) == []


def test_each_package_imports_only_what_it_may():
    sideways = {package: sorted(targets - ALLOWED[package])
                for package, targets in _package_graph().items() if targets - ALLOWED[package]}
    assert sideways == {}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
