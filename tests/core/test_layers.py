"""The arrows between the portal's packages run one way.

Each domain's models import alone, in a fresh interpreter (no import circle through the access
policy); the forum knows nothing of the notifications, which hear of it through its events.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
MODELS = sorted(path.parent.name for path in PORTAL.glob("*/models.py"))


@pytest.mark.parametrize("domain", MODELS)
def test_each_domains_models_import_alone(domain):
    result = subprocess.run(
        [sys.executable, "-c", f"import portal.{domain}.models"],
        cwd=PORTAL.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def imported_modules(path):
    """Every module that the file at `path` imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_forum_does_not_import_the_notifications():
    files = sorted((PORTAL / "forum").rglob("*.py"))
    assert files
    offending = {
        f"{path.relative_to(PORTAL.parent)}: {module}"
        for path in files
        for module in imported_modules(path)
        if module == "portal.notifications" or module.startswith("portal.notifications.")
    }
    assert not offending


def test_the_access_levels_import_no_part_of_the_portal():
    modules = set(imported_modules(PORTAL / "access" / "levels.py"))
    assert not {module for module in modules if module.startswith("portal")}


def test_no_model_imports_the_access_policy():
    """The policy reads the models; the models read only the levels."""
    offending = {
        str(path.relative_to(PORTAL.parent))
        for path in PORTAL.glob("*/models.py")
        for module in imported_modules(path)
        if module in {"portal.access", "portal.access.rules"}
        or (module.startswith("portal.access.") and not module.startswith("portal.access.levels"))
    }
    assert not offending
