"""The wheel holds every package, the generated gRPC code, the SNMP profiles; pyproject lists every package."""

import pathlib
import subprocess
import sys
import tomllib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_ROOTS = {"agent": "itops.agent", "collector": "itops.collector", "alerting": "itops.alerting", "proto/itops": "itops"}


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, package in PACKAGE_ROOTS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    return found


def test_pyproject_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk()


def test_wheel_contains_code_generated_stubs_and_profiles(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path, ROOT],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("itops-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("itops/v1/ingest_pb2_grpc.py", "itops/v1/ingest.proto", "itops/agent/inputs/snmp/profiles/printer.yaml",
                     "itops/agent/inputs/snmp/profiles/generic.yaml", "itops/collector/storage/sqlite/store.py",
                     "itops/alerting/rules/host.yaml", "itops/alerting/rules/tests/host.yaml",
                     "itops/alerting/holidays/cn-2026.yaml", "itops/alerting/incidents/migrations/step_0001_initial.py",
                     "itops/collector/metric_catalogue.yaml"):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
