"""The wheel holds every package, the generated gRPC code, the SNMP profiles and the runbooks; pyproject lists every
package."""

import pathlib
import subprocess
import sys
import tomllib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
PACKAGE_ROOTS = {folder: package for package, folder in PYPROJECT["package-dir"].items()}


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, package in PACKAGE_ROOTS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    return found


def test_pyproject_lists_every_package():
    assert set(PYPROJECT["packages"]) == _packages_on_disk()


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", folder, ROOT],
                   check=True, capture_output=True)
    return set(zipfile.ZipFile(next(folder.glob("itops-*.whl"))).namelist())


def test_wheel_contains_code_generated_stubs_and_profiles(wheel_names):
    names = wheel_names
    for expected in ("itops/v1/ingest_pb2_grpc.py", "itops/v1/ingest.proto", "itops/agent/inputs/snmp/profiles/printer.yaml",
                     "itops/agent/inputs/snmp/profiles/generic.yaml", "itops/collector/storage/sqlite/sqlite.py",
                     "itops/alerting/rules/pack/host.yaml", "itops/alerting/rules/pack/tests/host.yaml",
                     "itops/alerting/incidents/holidays/cn-2026.yaml",
                     "itops/alerting/incidents/migrations/step_0001_initial.py", "itops/common/metric_catalogue.yaml"):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "benchmarks/", "runbooks/")) for name in names)


def test_wheel_contains_every_runbook(wheel_names):
    on_disk = {f"itops/runbooks/{path.name}" for path in (ROOT / "runbooks").glob("*.md")}
    assert len(on_disk) > 1 and sorted(on_disk - wheel_names) == []
