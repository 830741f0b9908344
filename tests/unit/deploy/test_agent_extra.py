"""`pip install 'itops[agent]'` — what install-agent.sh, the agent image and the Windows recipe install — brings every
third-party package the agent's code imports (directly, or as a dependency of one it declares)."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .images import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _with_dependencies(requirements: list[str]) -> set[str]:
    """The distributions these requirements install on this Python, their dependencies included."""
    found, todo = set(), [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        found.add(name)
        todo.extend(Requirement(r) for r in importlib.metadata.requires(name) or [])
    return found


def _imported_top_level_modules() -> dict[str, str]:
    """Top-level module → a file of agent/ that imports it (at module level or inside a function)."""
    found = {}
    for path in sorted((ROOT / "agent").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_agent_extra_provides_every_package_the_agent_imports():
    installed = _with_dependencies([*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["agent"]])
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for module, where in _imported_top_level_modules().items():
        if module in sys.stdlib_module_names or module in ("itops", "__future__"):
            continue
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        if not distributions & installed:
            missing[module] = f"{where} (from {', '.join(sorted(distributions)) or 'no installed package'})"
    assert missing == {}, "imported by the agent but not installed by itops[agent]"
