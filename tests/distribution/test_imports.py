"""distribution's modules import each other in one direction: no circle (services ↔ tasks is gone for good)."""

import ast
from pathlib import Path

import distribution

ROOT = Path(distribution.__file__).parent


def _imports():
    graph = {}
    for path in ROOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports count too
            if isinstance(node, ast.ImportFrom) and node.module == "distribution":
                targets |= {f"distribution.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("distribution."):
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.startswith("distribution.")}
        graph[module] = targets
    return graph


def test_no_module_of_distribution_imports_itself_back_through_another():
    graph = _imports()

    def reachable(start):
        seen, stack = set(), [start]
        while stack:
            for target in graph.get(stack.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    assert [module for module in graph if module in reachable(module)] == []


def test_the_services_import_no_receiver_and_the_tasks_sit_beside_them():
    graph = _imports()

    # Writes read through the selectors, never through the receivers (which call the services).
    assert graph["distribution.services"] <= {"distribution.models", "distribution.selectors"}
    assert "distribution.services" not in graph.get("distribution.selectors", set())
    assert not (ROOT / "tasks.py").exists()
