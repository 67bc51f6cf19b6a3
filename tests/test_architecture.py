"""The apps depend in one direction: distribution builds on articles, articles knows nothing of distribution."""

import ast
from pathlib import Path

import articles
import distribution

ROOT = Path(articles.__file__).parent


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # function-level imports count as much as top-level ones
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_module_of_articles_imports_distribution():
    offenders = sorted(
        f"{path.relative_to(ROOT.parent)}: {module}"
        for path in ROOT.rglob("*.py")
        for module in _imported_modules(path)
        if module == "distribution" or module.startswith("distribution.")
    )
    assert offenders == []


def test_each_app_states_its_purpose_in_one_sentence():
    for app in (articles, distribution):
        doc = (app.__doc__ or "").strip()
        assert doc and "\n" not in doc and doc.endswith("."), app.__name__


# The wings of articles/ and what each may import (docs/architecture.md): a module imports only modules of its
# own layer or of lower layers, and the imports between modules of articles form no circle.
LAYERS = [
    # 0 what a body may hold: nothing else of the project
    ["articles.content"],
    # 1 the data and its plain reads
    ["articles.models", "articles.freeze", "articles.roles", "articles.signals", "articles.selectors",
     "articles.demo_data"],
    # 2 engines over the data: printing, history and tracked changes, search
    ["articles.printing", "articles.review.revisions", "articles.review.diff", "articles.search",
     "articles.proofreading"],
    # 3 the workflow: the rules and the transitions
    ["articles.workflow", "articles.services"],
    # 4 what people use: the desks, the archive, imports, admin, views, commands, the app's wiring
    ["articles.review.desk", "articles.archive", "articles.docx_import", "articles.forms", "articles.admin",
     "articles.views", "articles.demo", "articles.templatetags", "articles.management", "articles.apps"],
]


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module):
    for rank, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return rank
    return None


def _article_modules():
    return {_module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.parts}


def _resolved_imports(module, path):
    """The articles modules `module` imports (from articles import x counts as articles.x when that is a module)."""
    modules = _article_modules()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "articles":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield candidate if candidate in modules else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "articles")


def test_every_module_of_articles_has_a_layer():
    assert [module for module, path in _article_modules().items()
            if path.name != "__init__.py" and _layer(module) is None] == []


def test_no_module_imports_from_a_higher_layer():
    offenders = sorted(
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, path in _article_modules().items() if module != "articles"
        for target in _resolved_imports(module, path)
        if target != "articles" and _layer(target) is not None and _layer(target) > _layer(module)
    )
    assert offenders == []


def _cycle(graph):
    """One import circle of the graph as a list of modules, or None."""
    visiting, done = [], set()

    def visit(node):
        if node in visiting:
            return visiting[visiting.index(node):] + [node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node)
        if found:
            return found
    return None


def test_no_import_circle_in_either_app():
    graph = {}
    for app in (articles, distribution):
        root = Path(app.__file__).parent
        names = {_module_name_in(root, path): path for path in root.rglob("*.py") if "migrations" not in path.parts}
        for module, path in names.items():
            graph[module] = {
                target for target in _imports_of(path, names)
                if target in names and target != module
            }
    assert _cycle(graph) is None


def _module_name_in(root, path):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path, names):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield candidate if candidate in names else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_each_wing_of_articles_states_its_purpose_in_one_sentence():
    import importlib

    for wing in ("printing", "review", "archive", "content"):
        doc = (importlib.import_module(f"articles.{wing}").__doc__ or "").strip()
        assert doc and "\n" not in doc and doc.endswith("."), wing
