"""Data flows one way, and so do imports: a module imports the kernel, its own stage and earlier stages, never a
later one. Only the wiring modules, which put the stages together, import anything. ARCHITECTURE.md draws it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]

KERNEL = ("itops.v1", "itops.series_key", "itops.entities", "itops.common", "itops.runbooks")
STAGES = (  # in the order data flows through them; a tuple is one stage, the wiring of what comes before it
    ("itops.collector.storage",),
    ("itops.collector.outputs",),
    ("itops.collector.records",),
    ("itops.collector.ingest",),
    ("itops.alerting.rules",),
    ("itops.alerting.muting",),
    ("itops.alerting.dispatch",),
    ("itops.alerting.notifiers",),
    ("itops.alerting.incidents",),
    ("itops.alerting.pipeline", "itops.alerting.config", "itops.alerting.assembly"),
    ("itops.collector.api",),
    ("itops.collector.reports",),
    ("itops.collector.console",),
    ("itops.collector.cli", "itops.collector.config", "itops.collector.server"),
)
WIRING = {*STAGES[9], *STAGES[-1]}  # these put the stages together: they may import anything
PLUGIN_CONTRACTS = ("itops.collector.storage.base", "itops.alerting.notifiers.base")  # a stage drives plugins of a
# kind through its contract, whatever stage the kind stands at; the wiring picks the plugins by name


def _modules() -> dict[str, Path]:
    modules = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


MODULES = _modules()


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _stage(module: str) -> int | None:
    for rank, stage in enumerate(STAGES):
        if _within(module, stage):
            return rank
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Every itops module ``path`` imports, at any depth of the file (functions too)."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return {name for name in found if name.startswith("itops")}


def _violations(module: str, path: Path) -> list[str]:
    if _within(module, tuple(WIRING)):
        return []
    own_stage = _stage(module)
    problems = []
    for imported in sorted(_imports(path, module)):
        if imported == "itops" or _within(imported, KERNEL) or imported in PLUGIN_CONTRACTS:
            continue
        if _within(module, ("itops.agent",)) != _within(imported, ("itops.agent",)):
            problems.append(f"{module} imports {imported}: the agent and the collector share only the kernel")
        elif _within(module, KERNEL):
            problems.append(f"{module} (kernel) imports {imported}")
        elif own_stage is not None and (_stage(imported) or 0) > own_stage:
            problems.append(f"{module} ({STAGES[own_stage][0]}) imports {imported}, a later stage")
    return problems


def test_every_module_belongs_to_the_kernel_the_agent_a_stage_or_the_wiring():
    homeless = [module for module in MODULES
                if module not in ("itops", "itops.collector", "itops.alerting")
                and not _within(module, (*KERNEL, "itops.agent", *(name for stage in STAGES for name in stage)))]
    assert homeless == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_later_stage(module):
    assert _violations(module, MODULES[module]) == []


def test_the_check_sees_a_later_stage_imported_inside_a_function(tmp_path):
    source = tmp_path / "feed.py"
    source.write_text("def later():\n    from itops.collector.api.app import HttpApi\n")
    assert _violations("itops.collector.ingest.feed", source) == [
        "itops.collector.ingest.feed (itops.collector.ingest) imports itops.collector.api.app, a later stage"]


def test_the_check_sees_the_agent_reaching_into_the_collector(tmp_path):
    source = tmp_path / "sender.py"
    source.write_text("from itops.collector.ingest import validation\n")
    assert _violations("itops.agent.sender", source) == [
        "itops.agent.sender imports itops.collector.ingest: the agent and the collector share only the kernel",
        "itops.agent.sender imports itops.collector.ingest.validation: the agent and the collector share only the kernel"]
