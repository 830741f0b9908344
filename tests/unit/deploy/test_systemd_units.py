"""The systemd units in deploy/systemd: `systemd-analyze verify` finds nothing to say about them, their
`systemd-analyze security --offline=yes` exposure is the one deploy/README.md states, and they run what the
install script installs. systemd is not PID 1 here, so this is as far as the units can be tested; a missing
systemd-analyze (Debian package `systemd`) fails the tests."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
UNITS = ROOT / "deploy" / "systemd"
README = ROOT / "deploy" / "README.md"
INSTALL_SCRIPT = ROOT / "deploy" / "install-agent.sh"
SYSTEM_UNITS = pathlib.Path("/usr/lib/systemd/system")  # the targets the units name (network-online.target, …)
UNIT_NAMES = ("itops-agent.service", "itops-collector.service")


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is needed (Debian: apt-get install systemd)")
    return found


def _unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory) -> pathlib.Path:
    """A root for `systemd-analyze verify --root`: systemd's own units, ours, and an executable where each
    ExecStart= points (the install script's test checks that the real entry points land there)."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    installed = root / "etc" / "systemd" / "system"
    installed.mkdir(parents=True)
    for name in UNIT_NAMES:
        shutil.copy(UNITS / name, installed)
        program = root / _unit_settings(name)["ExecStart"][0].split()[0].lstrip("/")
        program.parent.mkdir(parents=True, exist_ok=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    return root


def _verify(root: pathlib.Path, *names: str) -> subprocess.CompletedProcess:
    return subprocess.run([_systemd_analyze(), "verify", f"--root={root}", *names], capture_output=True, text=True)


def test_units_verify_without_a_word(unit_root):
    result = _verify(unit_root, *UNIT_NAMES)
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_verify_would_report_a_mistake(unit_root):
    """The check above is not blind: systemd-analyze names a misspelt option and a missing program."""
    broken = unit_root / "etc" / "systemd" / "system" / "itops-broken.service"
    text = (UNITS / "itops-agent.service").read_text()
    broken.write_text(text.replace("ProtectHome=read-only", "ProtectHome=readonly")
                      .replace("/opt/itops/bin/itops-agent", "/opt/itops/bin/itops-missing"))
    try:
        result = _verify(unit_root, "itops-broken.service")
    finally:
        broken.unlink()
    assert "protect home value" in result.stderr and "itops-missing is not executable" in result.stderr


def _exposure(name: str) -> str:
    result = subprocess.run([_systemd_analyze(), "security", "--offline=yes", str(UNITS / name)],
                            capture_output=True, text=True, check=True)
    return re.search(rf"Overall exposure level for {re.escape(name)}: (\d+\.\d)", result.stdout).group(1)


def test_exposure_is_what_the_readme_says():
    stated = re.search(r"`systemd-analyze security --offline=yes` rates the agent (\d+\.\d) and the collector "
                       r"(\d+\.\d)", README.read_text())
    assert stated, "deploy/README.md states both units' exposure"
    assert (_exposure("itops-agent.service"), _exposure("itops-collector.service")) == stated.groups()


def test_units_run_the_package_entry_points_from_the_install_prefix():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    prefix = re.search(r"^readonly PREFIX=(\S+)$", INSTALL_SCRIPT.read_text(), re.MULTILINE).group(1)
    for name in UNIT_NAMES:
        program, command, *_ = _unit_settings(name)["ExecStart"][0].split()
        assert pathlib.PurePath(program).parent == pathlib.PurePath(prefix, "bin")
        assert pathlib.PurePath(program).name == name.removesuffix(".service") and program.rsplit("/", 1)[1] in scripts
        assert command == "run"


def test_agent_unit_runs_as_the_user_the_install_script_creates_and_owns_its_data_directory():
    script = INSTALL_SCRIPT.read_text()
    constants = dict(re.findall(r"^readonly ([A-Z_]+)=(\S+)", script, re.MULTILINE))
    settings = _unit_settings("itops-agent.service")
    assert settings["User"] == settings["Group"] == [constants["SERVICE_USER"]]
    assert constants["DATA_DIR"] == "/var/lib/" + settings["StateDirectory"][0]
    assert constants["CONFIG_DIR"] == "/etc/" + settings["ConfigurationDirectory"][0]
    assert settings["ExecStart"][0].endswith(f"-c {constants['CONFIG']}".replace("$CONFIG_DIR", constants["CONFIG_DIR"]))
