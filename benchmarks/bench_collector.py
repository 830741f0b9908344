"""A real collector process for benchmarks, and reading a process's CPU time and memory from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from itops.collector.ingest.agent_credentials import token_sha256

BIN = Path(sys.executable).parent


def start_collector(workdir: Path, tokens: dict[str, str], tls: dict[str, Path] | None,
                    extra_config: str = "") -> tuple[subprocess.Popen, str, str]:
    """Start ``itops-collector`` on ephemeral ports; returns the process and its gRPC and HTTP addresses."""
    credentials = "".join(f"  - id: {agent_id}\n    token_sha256: {token_sha256(token)}\n" for agent_id, token in tokens.items())
    transport = f"  tls_cert_file: {tls['cert']}\n  tls_key_file: {tls['key']}\n" if tls else "  insecure: true\n"
    config = workdir / "collector.yaml"
    config.write_text(
        f"data_dir: {workdir / 'state'}\ngrpc:\n  listen: 127.0.0.1:0\n{transport}http:\n  listen: 127.0.0.1:0\n"
        f"storage:\n  type: sqlite\n  path: {workdir / 'tsdb'}\nagents:\n{credentials}{extra_config}"
    )
    process = subprocess.Popen([BIN / "itops-collector", "run", "-c", config, "--log-level", "warning"],
                               stdout=subprocess.PIPE, text=True)
    fields = dict(part.split("=", 1) for part in process.stdout.readline().split()[2:])
    return process, fields["grpc"], fields["http"]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")
