"""deploy/install-agent.sh passes shellcheck and agrees with the agent on ports and paths. Its behaviour is tested
by running it: tests/integration/test_deploy_install_agent.py. A missing shellcheck (Debian package `shellcheck`)
fails the test."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from itops.agent.config import DEFAULT_COLLECTOR_PORT, DEFAULT_MTLS_PORT, BufferConfig

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "deploy" / "install-agent.sh"


def _constants() -> dict[str, str]:
    return dict(re.findall(r"^readonly ([A-Z_]+)=(\S+)", SCRIPT.read_text(), re.MULTILINE))


def test_shellcheck_finds_nothing():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is needed (Debian: apt-get install shellcheck)")
    result = subprocess.run([shellcheck, "--severity=style", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_is_executable():
    assert os.access(SCRIPT, os.X_OK)


def test_ports_are_the_agents_defaults():
    constants = _constants()
    assert int(constants["TOKEN_PORT"]) == DEFAULT_COLLECTOR_PORT
    assert int(constants["MTLS_PORT"]) == DEFAULT_MTLS_PORT


def test_data_directory_is_the_agents_default_buffer():
    assert _constants()["DATA_DIR"] == BufferConfig().path


def test_help_lists_every_option_the_parser_takes():
    text = SCRIPT.read_text()
    parsed = set(re.findall(r"^\s+(--[a-z-]+)\)", text, re.MULTILINE))
    helped = set(re.findall(r"^  (--[a-z-]+)", text[text.index("usage()"):text.index("EOF\n}")], re.MULTILINE))
    assert parsed == helped and len(parsed) > 10
