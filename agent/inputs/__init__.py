"""The inputs that ship with the agent, by name (see ``itops.common.plugin_registry``): an agent without SNMP devices
never loads pysnmp."""

from __future__ import annotations

from itops.common.plugin_registry import PluginSpec

__all__ = ["SHIPPED_INPUTS", "config_models", "load_input_class"]

SHIPPED_INPUTS: dict[str, PluginSpec] = {
    "host": PluginSpec("itops.agent.inputs.host.config:HostConfig", "itops.agent.inputs.host.host:HostInput"),
    "inventory": PluginSpec(
        "itops.agent.inputs.inventory.config:InventoryConfig", "itops.agent.inputs.inventory.inventory:InventoryInput"
    ),
    "tcp_connect": PluginSpec("itops.agent.inputs.tcp_connect.config:TcpConnectConfig", "itops.agent.inputs.tcp_connect.tcp_connect:TcpConnectInput"),
    "http": PluginSpec("itops.agent.inputs.http.config:HttpConfig", "itops.agent.inputs.http.http:HttpInput"),
    "ping": PluginSpec("itops.agent.inputs.ping.config:PingConfig", "itops.agent.inputs.ping.ping:PingInput"),
    "process": PluginSpec("itops.agent.inputs.process.config:ProcessConfig", "itops.agent.inputs.process.process:ProcessInput"),
    "systemd_unit": PluginSpec("itops.agent.inputs.systemd_unit.config:SystemdUnitConfig", "itops.agent.inputs.systemd_unit.systemd_unit:SystemdUnitInput"),
    "file_freshness": PluginSpec("itops.agent.inputs.file_freshness.config:FileFreshnessConfig", "itops.agent.inputs.file_freshness.file_freshness:FileFreshnessInput"),
    "tls_certificate_file": PluginSpec("itops.agent.inputs.tls_certificate_file.config:TlsCertificateFileConfig", "itops.agent.inputs.tls_certificate_file.tls_certificate_file:TlsCertificateFileInput"),
    "attendance_clock": PluginSpec("itops.agent.inputs.attendance_clock.config:AttendanceClockConfig", "itops.agent.inputs.attendance_clock.attendance_clock:AttendanceClockInput"),
    "snmp": PluginSpec("itops.agent.inputs.snmp.config:SnmpConfig", "itops.agent.inputs.snmp.poller:SnmpInput"),
}


def config_models() -> tuple[type, ...]:
    return tuple(spec.config_model() for spec in SHIPPED_INPUTS.values())


def load_input_class(input_type: str) -> type:
    return SHIPPED_INPUTS[input_type].implementation_class()
