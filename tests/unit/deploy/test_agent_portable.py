"""Every module under agent/ imports on what looks like Windows: `sys.platform` "win32", `os.name` "nt",
`platform.system()` "Windows", no POSIX-only modules (fcntl, pwd, resource, …) and no POSIX-only functions in `os`
and `signal`. The agent runs as a Windows service (deploy/windows/README.md) but cannot be run on Windows here; this
keeps Linux-only calls made at import time out of it.

Each check runs in a fresh interpreter: the stdlib and the third-party packages the agent uses are imported first,
as they are on Windows (their own platform code is theirs to keep portable), then the platform is disguised and
the agent's modules are imported one by one.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[3]
AGENT = ROOT / "agent"

# What a Windows Python lacks. Modules: POSIX-only stdlib modules. os and signal: their POSIX-only names.
POSIX_ONLY_MODULES = ("fcntl", "grp", "pwd", "resource", "termios", "tty", "pty", "syslog", "posix", "crypt", "spwd",
                      "nis", "_posixshmem", "readline")
POSIX_ONLY_OS = ("getuid", "geteuid", "getgid", "getegid", "getgroups", "getpgid", "getpgrp", "setuid", "setgid",
                 "setsid", "fork", "forkpty", "killpg", "getloadavg", "uname", "statvfs", "fstatvfs", "sync", "chown",
                 "fchown", "lchown", "mkfifo", "mknod", "major", "minor", "makedev", "nice", "pipe2", "sysconf",
                 "pathconf", "confstr", "openpty", "wait3", "wait4", "waitid", "WNOHANG", "O_DIRECTORY", "O_NOFOLLOW",
                 "O_NONBLOCK", "getpriority", "setpriority", "sched_getaffinity", "sched_setaffinity", "initgroups",
                 "getresuid", "memfd_create", "eventfd", "posix_spawn", "fdatasync", "fchmod", "register_at_fork")
POSIX_ONLY_SIGNAL = ("SIGHUP", "SIGKILL", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGCONT",
                     "SIGSTOP", "SIGTSTP", "alarm", "pause", "setitimer", "getitimer", "siginterrupt", "pthread_kill",
                     "pthread_sigmask", "sigwait")

# Runs in a fresh interpreter: imports the modules named in argv[1] (JSON) as far as they import on this platform
# and prints the names of every module then loaded.
LIST_IMPORTS = textwrap.dedent("""
    import importlib, json, sys
    sys.path[:0] = sys.argv[2:]
    for name in json.loads(sys.argv[1]):
        try:
            importlib.import_module(name)
        except Exception:
            pass
    print(json.dumps(sorted(sys.modules)))
""")
# Runs in a fresh interpreter: argv[1] is a JSON list of module names; prints a JSON {module: error} of those that
# failed to import in disguise.
DISGUISED_IMPORT = textwrap.dedent("""
    import importlib, importlib.abc, json, os, pathlib, platform, signal, subprocess, sys, traceback

    names, extra_path = json.loads(sys.argv[1]), sys.argv[2:]
    sys.path[:0] = extra_path
    # 1. What the agent imports besides itself, imported on the real platform, as Windows would have its own.
    listing = subprocess.run([sys.executable, "-c", LIST_IMPORTS, sys.argv[1], *extra_path],
                             capture_output=True, text=True, check=True)
    def ours(name):
        return name.split(".")[0] in ("itops", "tests") or name in names

    for name in json.loads(listing.stdout):
        if not ours(name) and name not in POSIX_ONLY_MODULES:
            try:
                importlib.import_module(name)
            except Exception:
                pass  # a submodule that only imports inside its package's own import sequence
    for name in [n for n in sys.modules if ours(n)]:
        del sys.modules[name]

    # 2. The disguise.
    sys.platform, os.name = "win32", "nt"
    # Python's own import machinery makes paths with pathlib, which would now make WindowsPaths, which cannot
    # exist on Linux: paths stay POSIX ones (their flavour is no import-time concern of the agent's).
    pathlib.WindowsPath = pathlib.PosixPath
    platform.system = lambda: "Windows"
    for module, names_gone in ((os, POSIX_ONLY_OS), (signal, POSIX_ONLY_SIGNAL)):
        for gone in names_gone:
            if hasattr(module, gone):
                delattr(module, gone)

    class NoPosixModules(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname in POSIX_ONLY_MODULES:
                raise ModuleNotFoundError(f"No module named {fullname!r} (not on Windows)")
            return None

    for gone in POSIX_ONLY_MODULES:
        sys.modules.pop(gone, None)
    sys.meta_path.insert(0, NoPosixModules())

    # 3. The agent.
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:
            failed[name] = traceback.format_exc(limit=-3)
    print(json.dumps(failed))
""")


def _agent_modules() -> list[str]:
    names = []
    for path in sorted(AGENT.rglob("*.py")):
        parts = path.relative_to(AGENT).with_suffix("").parts
        names.append(".".join(("itops", "agent", *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return names


def _import_disguised(names: list[str], extra_path: list[str] = ()) -> dict[str, str]:
    prelude = (f"LIST_IMPORTS = {LIST_IMPORTS!r}\nPOSIX_ONLY_MODULES = {POSIX_ONLY_MODULES!r}\nPOSIX_ONLY_OS = {POSIX_ONLY_OS!r}\n"
               f"POSIX_ONLY_SIGNAL = {POSIX_ONLY_SIGNAL!r}\n")
    result = subprocess.run([sys.executable, "-c", prelude + DISGUISED_IMPORT, json.dumps(names), *map(str, extra_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_agent_module_imports_on_windows():
    names = _agent_modules()
    assert len(names) > 40 and "itops.agent.inputs.host.host" in names
    assert _import_disguised(names) == {}


def test_the_disguise_catches_posix_only_imports_and_calls(tmp_path):
    """Not blind: modules that import fcntl, call os.getuid() or take signal.SIGHUP at import time fail, and one
    that guards its POSIX-only call imports."""
    probes = {"uses_fcntl": "import fcntl\n",
              "uses_getuid": "import os\nUID = os.getuid()\n",
              "uses_sighup": "import signal\nRELOAD = signal.SIGHUP\n",
              "reads_platform": "import sys\nassert sys.platform != 'win32'\n",
              "guarded": "import os\nSTATVFS = getattr(os, 'statvfs', None)\nassert STATVFS is None\n"}
    for name, code in probes.items():
        (tmp_path / f"{name}.py").write_text(code)
    failed = _import_disguised(list(probes), [tmp_path])
    assert sorted(failed) == ["reads_platform", "uses_fcntl", "uses_getuid", "uses_sighup"]
