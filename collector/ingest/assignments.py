"""Central configuration: which inputs (devices, checks) each agent runs, from one file at the collector.

    all:                      # every agent runs these
      - type: inventory
    agents:
      pc-finance-01:          # agent id
        - type: snmp
          devices:
            - {name: printer-3f, address: 10.1.3.20, community: public}

Agents poll ``GetAssignedInputs`` and apply changes without a restart. The collector checks the file's
shape (a list of mappings with a ``type`` per agent); each agent validates its inputs against its own
models and reports the outcome as the check ``central_config``. The file is re-read when it changes;
a broken edit is logged and the last good version keeps being served.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Any

import msgspec
import yaml

from itops.common.yaml_config import ConfigError, FieldProblem, load_file

__all__ = ["Assignments", "AssignmentsFile", "AssignedInputsText"]

log = logging.getLogger("itops.collector.ingest.assignments")


class Assignments(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    all: list[dict[str, Any]] = []
    agents: dict[str, list[dict[str, Any]]] = {}


def check_assignments(assignments: Assignments) -> None:
    lists = [("all", assignments.all)] + [(f"agents.{agent}", inputs) for agent, inputs in assignments.agents.items()]
    for field, inputs in lists:
        for index, item in enumerate(inputs):
            if not isinstance(item.get("type"), str):
                raise FieldProblem(f"{field}[{index}]", "every input needs a `type` (see docs/configuration.md)")


@dataclass(frozen=True)
class AssignedInputsText:
    version: str
    inputs_yaml: str


class AssignmentsFile:
    def __init__(self, path: str | None):
        self.path = path
        self._mtime_ns: int | None = None
        self._assignments = Assignments()
        self.reload_errors_total = 0
        if path is not None:
            self._assignments = load_file(path, Assignments, check=check_assignments)
            self._mtime_ns = os.stat(path).st_mtime_ns

    def _reload_if_changed(self) -> None:
        try:
            mtime_ns = os.stat(self.path).st_mtime_ns
        except OSError as exc:
            self._report(f"{self.path}: cannot read: {exc.strerror}; keeping the last good assignments")
            return
        if mtime_ns == self._mtime_ns:
            return
        self._mtime_ns = mtime_ns
        try:
            self._assignments = load_file(self.path, Assignments, check=check_assignments)
        except ConfigError as exc:
            self._report(f"{exc}; keeping the last good assignments")
            return
        log.info("assignments reloaded from %s", self.path)

    def _report(self, message: str) -> None:
        self.reload_errors_total += 1
        log.error("%s", message)

    def inputs_for(self, agent_id: str) -> AssignedInputsText:
        """The agent's inputs as YAML (``inputs: [...]``) and a version that changes with them."""
        if self.path is None:
            return AssignedInputsText("", "")
        self._reload_if_changed()
        inputs = self._assignments.all + self._assignments.agents.get(agent_id, [])
        text = yaml.safe_dump({"inputs": inputs}, sort_keys=False, allow_unicode=True)
        return AssignedInputsText(hashlib.sha256(text.encode()).hexdigest()[:16], text)
