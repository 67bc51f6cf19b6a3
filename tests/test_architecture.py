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
