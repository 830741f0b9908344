"""What the container files share: the Dockerfile's stages, and the itops commands a container runs, checked
against the package's real entry points and their sub-commands."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
ENTRY_POINTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
BIN = pathlib.Path(sys.executable).parent
# `itops-collector init-tls …` inside a shell command line.
_ITOPS_COMMAND_RE = re.compile(r"\b(itops-(?:agent|collector)) ([a-z][a-z-]*)")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, instruction: str) -> str | None:
        found = [arguments for name, arguments in self.instructions if name == instruction]
        return found[-1] if found else None

    def all(self, instruction: str) -> list[str]:
        return [arguments for name, arguments in self.instructions if name == instruction]


def dockerfile_stages() -> dict[str, Stage]:
    """Stages by name; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.read_text().splitlines()
                                          if not line.lstrip().startswith("#")))
    stages: dict[str, Stage] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        instruction, _, arguments = line.strip().partition(" ")
        instruction, arguments = instruction.upper(), " ".join(arguments.split())
        if instruction == "FROM":
            base, _, name = arguments.partition(" AS ")
            current = stages[name.strip()] = Stage(name.strip(), base.strip())
        elif current is not None:
            current.instructions.append((instruction, arguments))
    return stages


def exec_form(arguments: str) -> list[str]:
    """ENTRYPOINT/CMD in their exec (JSON array) form."""
    return json.loads(arguments)


def itops_commands(argv: list[str], image_entrypoint: list[str] | None = None) -> list[tuple[str, str]]:
    """(program, sub-command) pairs a container's command line runs: the argv itself (after the image's entry
    point) or, for `sh -c SCRIPT`, the itops commands inside the script."""
    if argv[:2] == ["sh", "-c"]:
        return _ITOPS_COMMAND_RE.findall(" ".join(argv[2:]))
    full = [*(image_entrypoint or []), *argv]
    return [(full[0], full[1])]


def help_works(program: str, subcommand: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / program, subcommand, "--help"], capture_output=True, text=True, timeout=60)


def check_commands(pairs: set[tuple[str, str]]) -> None:
    """Each program is an entry point of the package, and `program subcommand --help` succeeds."""
    for program, subcommand in sorted(pairs):
        assert program in ENTRY_POINTS, f"{program} is no entry point in pyproject.toml"
        result = help_works(program, subcommand)
        assert result.returncode == 0, f"{program} {subcommand}: {result.stderr}"
