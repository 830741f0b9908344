"""The inputs that ship with the agent, by name (see ``itops.plugins``): an agent without SNMP devices
never loads pysnmp."""

from __future__ import annotations

from itops.plugins import PluginSpec

__all__ = ["SHIPPED_INPUTS", "config_models", "load_input_class"]

SHIPPED_INPUTS: dict[str, PluginSpec] = {
    "host": PluginSpec("itops.agent.inputs.host.config:HostConfig", "itops.agent.inputs.host.host:HostInput"),
}


def config_models() -> tuple[type, ...]:
    return tuple(spec.config_model() for spec in SHIPPED_INPUTS.values())


def load_input_class(input_type: str) -> type:
    return SHIPPED_INPUTS[input_type].implementation_class()
