"""deploy/windows: the WinSW service definition runs the package's entry point with the config beside it, and that
config passes the agent's loader. Windows itself is not available here (deploy/windows/README.md says what was and
was not tested); tests/unit/deploy/test_agent_portable.py imports the agent as if on Windows."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ElementTree

from itops.agent.config import load_agent_config

from .images import ROOT, check_commands

WINDOWS = ROOT / "deploy" / "windows"


def _service() -> ElementTree.Element:
    return ElementTree.parse(WINDOWS / "itops-agent.xml").getroot()


def test_service_runs_the_agents_entry_point_from_its_virtualenv():
    executable = _service().findtext("executable")
    assert executable == r"%ProgramFiles%\itops\venv\Scripts\itops-agent.exe"
    command, option, config = shlex.split(_service().findtext("arguments"))
    assert (command, option, config) == ("run", "-c", r"%ProgramData%\itops\agent.yaml")
    check_commands({("itops-agent", command)})


def test_service_restarts_after_a_crash_and_gives_the_agent_time_to_flush():
    service = _service()
    assert service.findtext("id") == "itops-agent"
    assert service.find("onfailure").get("action") == "restart"
    assert service.findtext("stoptimeout") == "30 sec"


def test_config_passes_the_agents_loader_and_keeps_everything_in_programdata():
    config = load_agent_config(str(WINDOWS / "agent.yaml"), enrolling=True)
    assert config.buffer.path == "C:/ProgramData/itops/agent"
    assert all(path.startswith(config.buffer.path + "/") for path in config.certificate_paths())
    assert config.collector.ca_file == "C:/ProgramData/itops/ca.pem"
    assert {item.__struct_config__.tag for item in config.inputs} == {"host", "inventory"}


def test_readme_names_the_paths_the_files_use():
    readme = (WINDOWS / "README.md").read_text()
    for path in (r"C:\Program Files\itops\venv", r"C:\ProgramData\itops\agent.yaml", r"C:\ProgramData\itops\agent",
                 r"C:\ProgramData\itops\logs", r"C:\ProgramData\itops\ca.pem"):
        assert f"`{path}`" in readme
    assert _service().findtext("logpath") == r"%ProgramData%\itops\logs"
