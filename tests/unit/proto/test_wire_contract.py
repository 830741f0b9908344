"""The committed generated code matches the .proto files, and the agent never imports the server side."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
PROTO_DIR = ROOT / "proto"
GENERATED = ("ingest_pb2.py", "ingest_pb2.pyi", "ingest_pb2_grpc.py")


def test_committed_generated_code_is_fresh(tmp_path):
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in (PROTO_DIR / "itops" / "v1").glob("*.proto"))
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I.", f"--python_out={tmp_path}", f"--pyi_out={tmp_path}",
         f"--grpc_python_out={tmp_path}", *protos],
        cwd=PROTO_DIR, check=True,
    )
    for name in GENERATED:
        fresh = (tmp_path / "itops" / "v1" / name).read_text()
        committed = (PROTO_DIR / "itops" / "v1" / name).read_text()
        assert committed == fresh, f"proto/itops/v1/{name} is stale: run `make proto`"


def test_field_numbers_are_unique_per_message():
    import re

    text = (PROTO_DIR / "itops" / "v1" / "ingest.proto").read_text()
    for message, body in re.findall(r"message (\w+) \{(.*?)\n\}", text, flags=re.S):
        numbers = re.findall(r"=\s*(\d+);", body)
        assert len(numbers) == len(set(numbers)), f"{message} reuses a field number"


def _imported_modules(path: pathlib.Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_agent_source_never_names_collector_or_alerting():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "agent").rglob("*.py")
        for module in _imported_modules(path)
        if module.startswith(("itops.collector", "itops.alerting"))
    ]
    assert offenders == []


def test_running_agent_modules_load_nothing_from_collector_or_alerting():
    code = (
        "import importlib, pkgutil, sys, itops.agent\n"
        "for m in pkgutil.walk_packages(itops.agent.__path__, 'itops.agent.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.startswith(('itops.collector', 'itops.alerting', 'numpy', 'aiohttp')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
