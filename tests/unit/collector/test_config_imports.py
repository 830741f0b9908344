"""Loading the collector's config imports config models only: no report renderer, scheduler, database, HTTP
server, array library or gRPC. Each import is measured in a fresh interpreter, as a command line tool (say
``itops-collector new-token``) would start.

Importing the agent credentials, which the collector config composes, loads 6 itops modules when measured: the
packages ``itops``, ``itops.collector``, ``itops.collector.ingest``, ``itops.common``, the module itself and
``itops.common.yaml_config`` (for the FieldProblem its check raises)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("reportlab", "apscheduler", "sqlalchemy", "aiohttp", "numpy", "grpc")
CREDENTIALS_MODULES_AT_MOST = 6


def _loaded_after_import(module: str) -> list[str]:
    """The names in ``sys.modules`` after ``import module`` in a new interpreter."""
    program = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", ["itops.collector.config", "itops.alerting.config"])
def test_config_loads_no_heavy_library(module):
    loaded = _loaded_after_import(module)
    assert [name for name in HEAVY if name in loaded] == []


def test_agent_credentials_load_a_handful_of_itops_modules():
    loaded = [name for name in _loaded_after_import("itops.collector.ingest.agent_credentials")
              if name == "itops" or name.startswith("itops.")]
    assert len(loaded) <= CREDENTIALS_MODULES_AT_MOST, loaded
    assert "itops.collector.config" not in loaded
