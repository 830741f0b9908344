"""docs/configuration.md is generated from the config models and must not go stale."""

import pathlib
import subprocess
import sys

from itops.common.metric_catalogue import catalogue

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_configuration_reference_is_fresh():
    fresh = subprocess.run([sys.executable, ROOT / "docs" / "generate_config_reference.py"],
                           capture_output=True, text=True, check=True).stdout
    assert (ROOT / "docs" / "configuration.md").read_text() == fresh, "docs/configuration.md is stale: run `make docs`"


def test_every_option_has_a_description():
    text = (ROOT / "docs" / "configuration.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if row.rstrip(" |").endswith("|") or row.split("|")[4].strip() == ""]
    assert len(rows) > 40 and undocumented == []


def test_metrics_reference_is_fresh():
    fresh = subprocess.run([sys.executable, ROOT / "docs" / "generate_metrics_reference.py"],
                           capture_output=True, text=True, check=True).stdout
    assert (ROOT / "docs" / "metrics.md").read_text() == fresh, "docs/metrics.md is stale: run `make docs`"


def test_metrics_reference_has_a_row_for_every_metric():
    rows = {line.split("`")[1] for line in (ROOT / "docs" / "metrics.md").read_text().splitlines() if line.startswith("| `itops_")}
    assert rows == set(catalogue().metrics)
