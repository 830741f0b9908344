"""The inputs that ship with the agent, by name.

Each entry names the config model (imported when the agent config is loaded; light) and the input class
(imported only when an input of that type is configured, so an agent without SNMP devices never loads pysnmp).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["InputSpec", "SHIPPED_INPUTS", "config_models", "load_input_class"]


@dataclass(frozen=True)
class InputSpec:
    config: str  # "module:Class"
    implementation: str  # "module:Class"


SHIPPED_INPUTS: dict[str, InputSpec] = {
    "host": InputSpec("itops.agent.inputs.host.config:HostConfig", "itops.agent.inputs.host.host:HostInput"),
}


def _resolve(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def config_models() -> tuple[type, ...]:
    return tuple(_resolve(spec.config) for spec in SHIPPED_INPUTS.values())


def load_input_class(input_type: str):
    return _resolve(SHIPPED_INPUTS[input_type].implementation)
