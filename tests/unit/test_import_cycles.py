"""The import graph of services/ has no circles, and only the composition root builds the registry.

A circle means two modules that cannot be understood (or imported, or moved into a
feature package) one without the other. grimp reads every import, those inside
functions and under TYPE_CHECKING too, so a "local import to break the circle" is
still a circle here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import grimp
else:  # import-linter's graph library: a linter, so not in the headless virtualenv
    grimp = pytest.importorskip("grimp")

SERVICES = Path(__file__).resolve().parents[2] / "services"

# Each entry would be the exact set of modules of one tolerated circle; there are none.
ALLOWED: set[frozenset[str]] = set()  # none: keep it so


def _circles(graph: grimp.ImportGraph) -> Iterator[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    work: list[tuple[str, Iterator[str]]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        work.append((module, iter(sorted(graph.find_modules_directly_imported_by(module)))))

    for root in sorted(graph.modules):
        if root in index:
            continue
        visit(root)
        while work:
            module, imported = work[-1]
            for other in imported:
                if other not in index:
                    visit(other)
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        yield frozenset(component)


def test_services_modules_import_one_another_without_circles() -> None:
    graph = grimp.build_graph("services", cache_dir=None)
    found = set(_circles(graph))
    unexpected = sorted(sorted(c) for c in found - ALLOWED)
    assert unexpected == [], f"import circles in services/: {unexpected}"


def test_the_circle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=a, imported=b)
    assert set(_circles(graph)) == {frozenset({"p.a", "p.b", "p.c"})}


def test_only_the_registry_module_builds_the_connector_registry() -> None:
    """Services are handed the registry the composition root builds (console/context.py)."""
    builds = re.compile(r"\b(default_registry|build_registry)\s*\(")
    own = SERVICES / "channels" / "registry.py"
    callers = sorted(
        str(path.relative_to(SERVICES.parent))
        for path in SERVICES.rglob("*.py")
        if path != own and builds.search(path.read_text(encoding="utf-8"))
    )
    assert callers == []
