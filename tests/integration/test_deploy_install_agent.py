"""deploy/install-agent.sh run for real, as root, in a throwaway root: a private mount namespace (`unshare`) in which
/etc is a copy of this machine's and /opt, /var/lib and /var/log are empty folders, so `useradd`, `runuser`,
`python3 -m venv`, `pip install` of a freshly built wheel, `chown` and `install` do their real work and the
machine's own files stay untouched. `systemctl` is a stand-in that records its calls (systemd is not PID 1 here),
and so is the `itops-agent` the script enrolls with (ITOPS_AGENT_BIN): it records its arguments and, for
`enroll`, writes a key and certificate as the real one does, as the user it runs as. The config the script
wrote is then checked by the `itops-agent check-config` the script installed.

Needs root, `unshare` and Debian's python3 with python3-venv; a missing one fails the tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "install-agent.sh"
UNIT = ROOT / "deploy" / "systemd" / "itops-agent.service"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, as on a customer's host (the project venv's lives under /root)
TOKEN = "itops_enroll_0123456789abcdef"
# The paths the script installs to; inside the sandbox they lead to its folders.
MOUNTS = {"etc": "/etc", "opt": "/opt", "var-lib": "/var/lib", "var-log": "/var/log"}

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> {log}/systemctl.log
"""
# Stand-in for itops-agent, run by the script as the service user: records who ran it, with which arguments and
# token; `enroll` writes the key (0600) and certificate where the config says, `check-config` reads the config.
FAKE_AGENT = """#!/bin/sh
set -e
printf '%s %s token=%s\\n' "$(id -un)" "$*" "${{ITOPS_ENROLL_TOKEN:-}}" >> {log}/itops-agent.log
config=$3
case $1 in
    enroll)
        certificate=$(sed -n 's/^  certificate_file: //p' "$config")
        key=$(sed -n 's/^  key_file: //p' "$config")
        (umask 077; echo "-----BEGIN PRIVATE KEY-----" > "$key")
        echo "-----BEGIN CERTIFICATE-----" > "$certificate" ;;
    check-config)
        cat "$config" > /dev/null ;;
esac
"""


class Sandbox:
    """The throwaway root: folders mounted over /etc, /opt, /var/lib and /var/log in a private mount namespace."""

    def __init__(self, base: pathlib.Path):
        self.base = base
        base.chmod(0o755)  # the service user runs the stand-ins and writes their log
        subprocess.run(["cp", "-a", "/etc", base / "etc"], check=True)
        for name in MOUNTS:
            (base / name).mkdir(exist_ok=True)
        self.bin, self.log = base / "bin", base / "log"
        self.bin.mkdir()
        self.log.mkdir(mode=0o1777)
        self.log.chmod(0o1777)
        for name, text in (("systemctl", FAKE_SYSTEMCTL), ("itops-agent", FAKE_AGENT)):
            (self.bin / name).write_text(text.format(log=self.log))
            (self.bin / name).chmod(0o755)

    def path(self, inside: str) -> pathlib.Path:
        """Where a path of the sandbox (``/etc/itops/agent.yaml``) is on this machine."""
        for name, mount in MOUNTS.items():
            if inside == mount or inside.startswith(mount + "/"):
                return self.base / name / inside[len(mount):].lstrip("/")
        raise ValueError(f"{inside} is not inside the sandbox")

    def run(self, *command: str | os.PathLike) -> subprocess.CompletedProcess:
        mounts = "\n".join(f"mount --bind {self.base / name} {mount}" for name, mount in MOUNTS.items())
        # set -e: should a mount fail, nothing runs against the machine's own /etc.
        wrapper = f"set -e\n{mounts}\nfor d in {' '.join(MOUNTS.values())}; do mountpoint -q $d; done\nexec \"$@\""
        env = {"PATH": f"{self.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "ITOPS_AGENT_BIN": str(self.bin / "itops-agent"), "PIP_NO_INPUT": "1"}
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "--fork", "bash", "-c", wrapper,
                               "sandbox", *map(str, command)], env=env, capture_output=True, text=True, timeout=180)

    def install(self, *flags: str | os.PathLike) -> subprocess.CompletedProcess:
        return self.run("bash", SCRIPT, *flags)

    def calls(self, program: str) -> list[str]:
        log = self.log / f"{program}.log"
        return log.read_text().splitlines() if log.exists() else []

    def account(self, database: str, name: str) -> list[str] | None:
        """The line of ``name`` in the sandbox's /etc/passwd or /etc/group, split at ':'."""
        for line in (self.base / "etc" / database).read_text().splitlines():
            if line.split(":")[0] == name:
                return line.split(":")
        return None

    def snapshot(self) -> dict[str, tuple]:
        """Every file and folder the agent's install owns: mode, owner, group and content hash."""
        found = {}
        for inside in ("/etc/itops", "/var/lib/itops-agent", "/etc/systemd/system/itops-agent.service"):
            top = self.path(inside)
            for path in [top, *sorted(top.rglob("*"))] if top.is_dir() else [top] if top.exists() else []:
                info = path.lstat()
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
                found[inside + "/" + str(path.relative_to(top)) if path != top else inside] = (
                    stat.filemode(info.st_mode), info.st_uid, info.st_gid, digest)
        return found


def _require_root_and_tools() -> None:
    for tool in ("unshare", "mount", "useradd", "userdel", "runuser", "cp"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed to run the install script in a throwaway root")
    if os.geteuid() != 0:
        pytest.fail("the install script's test runs as root (as CI does), in a private mount namespace")


@pytest.fixture(scope="module")
def untouched():
    """A sandbox for the runs that must refuse before they change anything (and so leave it as it was)."""
    _require_root_and_tools()
    base = pathlib.Path(tempfile.mkdtemp(prefix="itops-install-"))
    yield Sandbox(base)
    shutil.rmtree(base)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", folder, ROOT],
                   check=True, capture_output=True)
    built = next(folder.glob("itops-*.whl"))
    shared = pathlib.Path(tempfile.mkdtemp(prefix="itops-wheel-"))  # readable from inside the sandbox
    shared.chmod(0o755)
    yield shutil.copy(built, shared)
    shutil.rmtree(shared)


@dataclasses.dataclass
class Scenario:
    """Install, install again with the same flags, uninstall, uninstall again; what each left behind."""

    sandbox: Sandbox
    source_ca: bytes
    runs: dict[str, subprocess.CompletedProcess] = dataclasses.field(default_factory=dict)
    snapshots: dict[str, dict] = dataclasses.field(default_factory=dict)
    calls: dict[str, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    configs: dict[str, dict] = dataclasses.field(default_factory=dict)
    venv_config: str = ""
    entry_point: str = ""
    user: list[str] | None = None
    group: list[str] | None = None
    installed_check: subprocess.CompletedProcess | None = None


@pytest.fixture(scope="module")
def scenario(wheel) -> Scenario:
    _require_root_and_tools()
    if subprocess.run([SYSTEM_PYTHON, "-c", "import venv, ensurepip"], capture_output=True).returncode:
        pytest.fail(f"{SYSTEM_PYTHON} with its venv module is needed (Debian: apt-get install python3-venv)")
    base = pathlib.Path(tempfile.mkdtemp(prefix="itops-install-"))
    try:
        box = Sandbox(base)
        ca = base / "ca.pem"
        ca.write_text("-----BEGIN CERTIFICATE-----\nthe collector's CA\n-----END CERTIFICATE-----\n")
        (base / "token").write_text(TOKEN + "\n")
        flags = ["--collector", "collector.example.internal", "--ca-file", ca, "--token-file", base / "token",
                 "--agent-id", "web-01", "--wheel", wheel, "--pip-arg=--no-index", "--pip-arg=--no-deps",
                 "--python", SYSTEM_PYTHON]
        result = Scenario(box, ca.read_bytes())
        reconfigure = ["--reconfigure", "--collector", "10.0.0.5:19717", "--no-start", *flags[6:]]
        for step, arguments in (("install", flags), ("again", flags), ("reconfigure", reconfigure),
                                ("uninstall", ["--uninstall"]), ("uninstall again", ["--uninstall"])):
            result.runs[step] = box.install(*arguments)
            result.snapshots[step] = box.snapshot()
            result.calls[step] = {program: box.calls(program) for program in ("systemctl", "itops-agent")}
            if step in ("install", "reconfigure") and result.runs[step].returncode == 0:
                result.configs[step] = yaml.safe_load(box.path("/etc/itops/agent.yaml").read_text())
            if step == "install" and result.runs[step].returncode == 0:
                result.venv_config = box.path("/opt/itops/pyvenv.cfg").read_text()
                result.entry_point = box.path("/opt/itops/bin/itops-agent").read_text()
                result.user, result.group = box.account("passwd", "itops-agent"), box.account("group", "itops-agent")
                result.installed_check = _check_config_with_installed_agent(box)
        yield result
    finally:
        shutil.rmtree(base)


def _check_config_with_installed_agent(box: Sandbox) -> subprocess.CompletedProcess:
    """`itops-agent check-config` of the wheel the script installed in /opt/itops, on the config it wrote. The wheel
    went in without dependencies (no index here): this test's own site-packages lend them, after the venv's."""
    code = ("import sys, itops; from itops.agent.cli import main; "
            "assert itops.__file__.startswith('/opt/itops/'), itops.__file__; "
            "sys.argv = ['itops-agent', 'check-config', '-c', '/etc/itops/agent.yaml']; sys.exit(main())")
    return box.run("/opt/itops/bin/python", "-c", f"import sys; sys.path.append({sysconfig.get_paths()['purelib']!r}); "
                   + code)


def _ok(run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 0, f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"


def test_install_succeeds(scenario):
    _ok(scenario.runs["install"])


def test_install_creates_the_system_user_and_group(scenario):
    _, _, uid, gid, _, home, shell = scenario.user
    assert 0 < int(uid) < 1000, "a system user"
    assert (home, shell) == ("/var/lib/itops-agent", "/usr/sbin/nologin")
    assert scenario.group[:3:2] == ["itops-agent", gid]
    assert scenario.snapshots["install"]["/var/lib/itops-agent"][1:3] == (int(uid), int(gid))


def test_config_is_written_from_the_flags(scenario):
    assert scenario.configs["install"] == {
        "collector": {"address": "collector.example.internal:9717",
                      "mtls_address": "collector.example.internal:9719",
                      "ca_file": "/etc/itops/ca.pem",
                      "certificate_file": "/var/lib/itops-agent/agent.pem",
                      "key_file": "/var/lib/itops-agent/agent-key.pem"},
        "buffer": {"path": "/var/lib/itops-agent"},
        "agent_id": "web-01",
        "inputs": [{"type": "host"}],
    }


def test_installed_agent_accepts_the_config(scenario):
    check = scenario.installed_check
    assert check.returncode == 0 and "/etc/itops/agent.yaml: OK" in check.stdout, check.stdout + check.stderr


def test_files_have_their_modes_and_owners(scenario):
    files = scenario.snapshots["install"]
    uid, gid = files["/var/lib/itops-agent"][1:3]
    assert files["/etc/itops"][:3] == ("drwxr-xr-x", 0, 0)
    assert files["/etc/itops/agent.yaml"][:3] == ("-rw-r-----", 0, gid), "readable by the service, not by all"
    assert files["/etc/itops/ca.pem"] == ("-rw-r--r--", 0, 0, hashlib.sha256(scenario.source_ca).hexdigest())
    assert files["/var/lib/itops-agent"][:3] == ("drwx------", uid, gid)
    assert files["/var/lib/itops-agent/agent-key.pem"][:3] == ("-rw-------", uid, gid), "enrolled as the service user"
    assert files["/etc/systemd/system/itops-agent.service"] == (
        "-rw-r--r--", 0, 0, hashlib.sha256(UNIT.read_bytes()).hexdigest())
    assert set(files) == {"/etc/itops", "/etc/itops/agent.yaml", "/etc/itops/ca.pem", "/var/lib/itops-agent",
                          "/var/lib/itops-agent/agent.pem", "/var/lib/itops-agent/agent-key.pem",
                          "/etc/systemd/system/itops-agent.service"}


def test_enrolls_once_as_the_service_user_with_the_token_in_its_environment(scenario):
    calls = scenario.calls["install"]["itops-agent"]
    assert calls == [f"itops-agent enroll -c /etc/itops/agent.yaml token={TOKEN}",
                     "itops-agent check-config -c /etc/itops/agent.yaml token="]


def test_enables_and_starts_the_service(scenario):
    assert scenario.calls["install"]["systemctl"] == ["daemon-reload", "enable itops-agent", "restart itops-agent"]


def test_running_again_changes_nothing_and_does_not_enroll_again(scenario):
    _ok(scenario.runs["again"])
    assert scenario.snapshots["again"] == scenario.snapshots["install"]
    assert "kept /etc/itops/agent.yaml" in scenario.runs["again"].stdout
    again = scenario.calls["again"]["itops-agent"][len(scenario.calls["install"]["itops-agent"]):]
    assert again == ["itops-agent check-config -c /etc/itops/agent.yaml token="]


def test_uninstall_removes_everything(scenario):
    _ok(scenario.runs["uninstall"])
    box = scenario.sandbox
    assert scenario.snapshots["uninstall"] == {}
    assert not box.path("/opt/itops").exists()
    assert box.account("passwd", "itops-agent") is None and box.account("group", "itops-agent") is None
    systemctl = scenario.calls["uninstall"]["systemctl"][len(scenario.calls["reconfigure"]["systemctl"]):]
    assert systemctl == ["disable --now itops-agent", "daemon-reload"]
    assert "itops-collector revoke -c /etc/itops/collector.yaml web-01" in scenario.runs["uninstall"].stdout


def test_uninstall_again_is_harmless(scenario):
    _ok(scenario.runs["uninstall again"])
    assert scenario.calls["uninstall again"]["systemctl"] == scenario.calls["uninstall"]["systemctl"]


def test_installs_into_its_own_virtualenv_of_the_system_python(scenario):
    assert "home = /usr/bin" in scenario.venv_config.splitlines()
    assert scenario.entry_point.splitlines()[0] == "#!/opt/itops/bin/python"


def test_reconfigure_rewrites_the_config_and_keeps_the_enrollment(scenario):
    _ok(scenario.runs["reconfigure"])
    collector = scenario.configs["reconfigure"]["collector"]
    assert (collector["address"], collector["mtls_address"]) == ("10.0.0.5:19717", "10.0.0.5:9719")
    assert "ca_file" not in collector, "no --ca-file: the system trust store verifies the collector"
    files = scenario.snapshots["reconfigure"]
    assert files["/var/lib/itops-agent/agent-key.pem"] == scenario.snapshots["install"]["/var/lib/itops-agent/agent-key.pem"]
    assert scenario.calls["reconfigure"]["systemctl"] == scenario.calls["again"]["systemctl"], "--no-start"
    enroll_calls = [call for call in scenario.calls["reconfigure"]["itops-agent"] if " enroll " in call]
    assert len(enroll_calls) == 1


def test_refuses_without_a_token_before_changing_anything(untouched):
    run = untouched.install("--collector", "collector.example.internal", "--python", SYSTEM_PYTHON)
    assert run.returncode == 1 and "not enrolled yet: give --token" in run.stderr
    _assert_untouched(untouched)


@pytest.mark.parametrize("flag, value", [("--agent-id", "web 01"), ("--agent-id", 'x"\n'),
                                         ("--collector", "host:port:9717"), ("--hostname", "a/b")])
def test_refuses_values_that_are_no_id_or_address(untouched, flag, value):
    flags = {"--collector": "collector.example.internal", "--token": TOKEN, flag: value}
    run = untouched.install(*(item for pair in flags.items() for item in pair))
    assert run.returncode == 1 and run.stderr.startswith(f"install-agent: {flag}:"), run.stderr
    _assert_untouched(untouched)


@pytest.mark.parametrize("os_release, hint", [
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "dnf install python3.11"),
    ("ID=ubuntu\nID_LIKE=debian\n", "apt-get install python3 python3-venv"),
])
def test_missing_python_names_the_package_to_install(untouched, os_release, hint):
    path = untouched.base / "etc" / "os-release"
    saved = path.with_name("os-release.saved")
    path.rename(saved)  # Debian's is a symbolic link into /usr/lib
    path.write_text(os_release)
    try:
        run = untouched.install("--collector", "c.example", "--token", TOKEN, "--python", "/bin/false")
    finally:
        saved.replace(path)
    assert run.returncode == 1 and hint in run.stderr, run.stderr
    _assert_untouched(untouched)


def _assert_untouched(box: Sandbox) -> None:
    assert box.account("passwd", "itops-agent") is None
    assert [list((box.base / name).iterdir()) for name in ("opt", "var-lib")] == [[], []]
    assert not box.path("/etc/itops").exists()
