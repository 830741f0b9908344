"""The dashboards, written once: every panel's title, kind, unit and queries. generate.py renders them as PromQL and
InfluxQL dashboards. A title is "English / 中文" (see README.md); a panel without a title of its own takes its first
metric's names from the metric registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dashboards.queries import Query

__all__ = ["DASHBOARDS", "Dashboard", "Panel", "Variable"]

PanelKind = Literal["timeseries", "bars", "stat", "bargauge", "table", "state"]


@dataclass(frozen=True)
class Variable:
    name: str
    title: tuple[str, str]
    label: str
    metric: str  # a metric every series of the kind carries the label on


@dataclass(frozen=True)
class Panel:
    queries: tuple[Query, ...]
    kind: PanelKind = "timeseries"
    title: tuple[str, str] | None = None
    unit: str | None = None  # a Grafana unit id; by default from the first metric's unit in the registry
    width: int = 12
    interval: str | None = None  # the panel's minimum interval: "1d" makes one bar a day
    only_in: str | None = None  # a flavour's name: the metric reaches only that flavour's servers


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: tuple[str, str]
    variables: tuple[Variable, ...]
    panels: tuple[Panel, ...]
    time_from: str = "now-6h"


def _q(metric: str, *by: str, **options) -> Query:
    return Query(metric, by=by, **options)


def _one(metric: str, *by: str, kind: PanelKind = "timeseries", **options) -> Panel:
    panel_options = {key: options.pop(key) for key in ("title", "unit", "width", "interval", "only_in")
                     if key in options}
    return Panel((_q(metric, *by, **options),), kind=kind, **panel_options)


DEPARTMENT = "department"
LOCATION = "location"


def _asset_variables(metric: str) -> tuple[Variable, Variable]:
    return (Variable("department", ("Department", "部门"), DEPARTMENT, metric),
            Variable("location", ("Location", "位置"), LOCATION, metric))


# The collector's figures whose labels name an entity (itops_host_up{host}, itops_device_up{device}) are on its
# /metrics only: it does not store them (collector/ingest/self_sampling.py), so no output writes them to InfluxDB or VictoriaMetrics.
PROMETHEUS = "promql"  # the flavour; VictoriaMetrics, which it also serves, lacks them too
HOST_METRIC = "itops_host_uptime_seconds"
DEVICE_METRIC = "itops_snmp_up"
CLOCK_METRIC = "itops_attendance_clock_up"
HOST = Variable("host", ("Host", "主机"), "host", HOST_METRIC)
DEVICE = Variable("device", ("Device", "设备"), "device", DEVICE_METRIC)
CLOCK = Variable("clock", ("Clock", "考勤机"), "clock", CLOCK_METRIC)
CPU_TOTAL = (("cpu", "total"),)

HOSTS_OVERVIEW = Dashboard(
    "hosts", ("Hosts overview", "主机总览"), (*_asset_variables(HOST_METRIC), HOST), (
        Panel((_q(HOST_METRIC, outer="count"),), "stat", ("Hosts reporting", "正在上报的主机"), "short", 6),
        Panel((_q("itops_host_up", outer="sum"),), "stat", ("Hosts up", "在线主机"), "short", 6, only_in=PROMETHEUS),
        Panel((_q("itops_host_up", outer="count", keep=0),), "stat", ("Hosts down", "离线主机"), "short", 6,
              only_in=PROMETHEUS),
        Panel((_q("itops_host_cpu_usage_ratio", outer="avg", match=CPU_TOTAL),), "stat",
              ("Average CPU usage", "平均 CPU 使用率"), width=6),
        Panel((_q("itops_host_filesystem_usage_ratio"),), "stat", ("Fullest filesystem", "最满分区"), width=6),
        _one("itops_host_up", "host", kind="state", title=("Host online", "主机在线"), width=24, only_in=PROMETHEUS),
        _one("itops_host_cpu_usage_ratio", "host", match=CPU_TOTAL),
        _one("itops_host_memory_usage_ratio", "host"),
        _one("itops_host_filesystem_usage_ratio", "host", "mountpoint"),
        _one("itops_host_load5", "host"),
        _one("itops_host_network_received_bytes_per_second", "host", outer="sum"),
        _one("itops_host_network_transmitted_bytes_per_second", "host", outer="sum"),
    ))

HOST_DETAIL = Dashboard(
    "host", ("Host detail", "主机详情"), (*_asset_variables(HOST_METRIC), HOST), (
        _one("itops_host_uptime_seconds", "host", kind="stat", width=6),
        _one("itops_host_processes", "host", kind="stat", width=6),
        _one("itops_host_memory_total_bytes", "host", kind="stat", width=6),
        _one("itops_host_swap_used_bytes", "host", kind="stat", width=6),
        Panel((_q("itops_host_cpu_usage_ratio", "host", match=CPU_TOTAL),), title=("CPU usage", "CPU 使用率")),
        _one("itops_host_cpu_usage_ratio", "host", "cpu", title=("CPU usage per core", "每核 CPU 使用率")),
        Panel(tuple(_q(f"itops_host_load{minutes}", "host") for minutes in (1, 5, 15)),
              title=("Load average", "平均负载"), unit="short"),
        Panel(tuple(_q(f"itops_host_memory_{kind}_bytes", "host") for kind in ("used", "available", "total")),
              title=("Memory", "内存")),
        _one("itops_host_memory_usage_ratio", "host"),
        _one("itops_host_filesystem_usage_ratio", "host", "mountpoint"),
        _one("itops_host_filesystem_free_bytes", "host", "mountpoint"),
        Panel(tuple(_q(f"itops_host_disk_{kind}_bytes_per_second", "host", "disk") for kind in ("read", "written")),
              title=("Disk throughput", "磁盘吞吐")),
        _one("itops_host_disk_busy_ratio", "host", "disk"),
        Panel(tuple(_q(f"itops_host_network_{kind}_bytes_per_second", "host", "interface")
                    for kind in ("received", "transmitted")), title=("Network traffic", "网络流量")),
        Panel(tuple(_q(f"itops_host_network_{kind}_per_second", "host", "interface")
                    for kind in ("receive_errors", "transmit_errors", "receive_drops", "transmit_drops")),
              title=("Network errors and drops", "网络错误与丢包")),
    ))

PRINTERS = Dashboard(
    "printers", ("Printers and consumables", "打印机与耗材"), (*_asset_variables(DEVICE_METRIC), DEVICE), (
        _one("itops_printer_supply_remaining_ratio", "device", "description", kind="bargauge", width=12),
        _one("itops_printer_supply_fill_ratio", "device", "description", kind="bargauge", width=12),
        _one("itops_printer_supply_forecast_empty_seconds", "device", "description", kind="bargauge", width=12,
             outer="min"),
        _one("itops_printer_supply_state", "device", "description", "state", kind="table", keep=1, width=12,
             unit="short"),
        _one("itops_printer_pages_total", "device", kind="bars", inner="increase", outer="sum", interval="1d",
             title=("Pages per day by printer", "每台打印机每日打印页数"), unit="short"),
        _one("itops_printer_pages_total", DEPARTMENT, kind="bars", inner="increase", outer="sum", interval="1d",
             title=("Pages per day by department", "各部门每日打印页数"), unit="short"),
        _one("itops_printer_pages_total", "device", kind="bargauge", inner="increase", outer="sum", window="range",
             title=("Pages in the period by printer (default: this month)", "本期各打印机打印页数（默认本月）"),
             unit="short"),
        _one("itops_printer_pages_total", DEPARTMENT, kind="bargauge", inner="increase", outer="sum", window="range",
             title=("Pages in the period by department (default: this month)", "本期各部门打印页数（默认本月）"),
             unit="short"),
        _one("itops_printer_condition", "device", "condition", kind="table", keep=1,
             title=("Error states present", "当前故障状态"), unit="short"),
        _one("itops_printer_device_status", "device", "state", kind="table", keep=1, unit="short"),
        _one("itops_printer_supply_remaining_ratio", "device", "description",
             title=("Supply levels over time (a jump up is a replacement)", "耗材余量趋势（跳升即更换）")),
        _one("itops_printer_supply_remaining_ratio", "device", "description", kind="table", inner="replacements",
             outer="sum", title=("Supply replacements in the period", "本期耗材更换次数"), unit="short"),
    ), time_from="now/M")

NETWORK = Dashboard(
    "network", ("Network", "网络"), (*_asset_variables(DEVICE_METRIC), DEVICE), (
        Panel((_q("itops_network_interface_oper_status", match=(("status", "up"),), outer="count", keep=1),), "stat",
              ("Ports up", "在线端口"), "short", 8),
        Panel((_q("itops_network_interface_oper_status", match=(("status", "down"),), outer="count", keep=1),),
              "stat", ("Ports down", "断开端口"), "short", 8),
        Panel((_q("itops_network_interface_admin_status", match=(("status", "up"),), outer="count", keep=1),),
              "stat", ("Ports enabled", "启用端口"), "short", 8),
        _one("itops_network_interface_oper_status", "device", "interface", kind="state", match=(("status", "up"),),
             title=("Port up (1) or down (0)", "端口连通 (1) 或断开 (0)"), width=24),
        _one("itops_network_interface_traffic_bytes_per_second", "device", "interface", "direction", width=24),
        _one("itops_network_interface_errors_per_second", "device", "interface", "direction"),
        _one("itops_network_interface_discards_per_second", "device", "interface", "direction"),
        _one("itops_network_interface_speed_bytes_per_second", "device", "interface", kind="table", width=24),
    ))

POWER_AND_ROOM = Dashboard(
    "power-room", ("UPS and server room", "UPS 与机房环境"), (*_asset_variables(DEVICE_METRIC), DEVICE), (
        _one("itops_ups_battery_charge_ratio", "device", kind="bargauge", width=8),
        _one("itops_ups_battery_runtime_seconds", "device", kind="bargauge", width=8),
        _one("itops_ups_battery_replace_needed", "device", kind="table", width=8, unit="bool_yes_no"),
        _one("itops_ups_output_source", "device", "source", kind="table", keep=1, unit="short"),
        _one("itops_ups_battery_status", "device", "status", kind="table", keep=1, unit="short"),
        _one("itops_ups_output_load_ratio", "device", "line"),
        _one("itops_ups_input_voltage_volts", "device", "line"),
        _one("itops_ups_output_voltage_volts", "device", "line"),
        _one("itops_ups_battery_temperature_celsius", "device"),
        _one("itops_environment_temperature_celsius", "device", "sensor"),
        _one("itops_environment_humidity_ratio", "device", "sensor"),
    ))

ATTENDANCE_CLOCKS = Dashboard(
    "attendance-clocks", ("Attendance clocks", "考勤机"), (*_asset_variables(CLOCK_METRIC), CLOCK), (
        Panel((_q(CLOCK_METRIC, outer="sum"),), "stat", ("Clocks online", "在线考勤机"), "short", 12),
        Panel((_q(CLOCK_METRIC, outer="count", keep=0),), "stat", ("Clocks offline", "离线考勤机"), "short", 12),
        _one(CLOCK_METRIC, "clock", kind="state", width=24),
        _one("itops_attendance_clock_drift_seconds", "clock"),
        _one("itops_attendance_clock_response_time_seconds", "clock"),
        _one("itops_attendance_clock_records_usage_ratio", "clock", kind="bargauge"),
        _one("itops_attendance_clock_users_usage_ratio", "clock", kind="bargauge"),
        _one("itops_attendance_clock_records", "clock"),
        _one("itops_attendance_clock_users", "clock"),
    ))

ALERTS_AND_INCIDENTS = Dashboard(
    "alerts-incidents", ("Alerts, incidents and SLA", "告警、事件与 SLA"), (), (
        Panel((_q("itops_alerts_firing", outer="sum"),), "stat", ("Alerts firing", "正在告警"), "short", 8),
        Panel((_q("itops_incidents_open", outer="sum"),), "stat", ("Open incidents", "未关闭事件"), "short", 8),
        Panel((_q("itops_incident_sla_breaches_this_month", outer="sum"),), "stat",
              ("SLA breaches this month", "本月 SLA 超时"), "short", 8),
        _one("itops_alerts_firing", "severity", outer="sum", title=("Alerts firing by severity", "各级别正在告警")),
        _one("itops_incidents_open", "severity", "state", outer="sum",
             title=("Open incidents by severity and state", "各级别、状态的未关闭事件")),
        _one("itops_incident_mean_time_to_acknowledge_seconds", "severity"),
        _one("itops_incident_mean_time_to_resolve_seconds", "severity"),
        _one("itops_incident_sla_breaches_this_month", "severity", "sla", kind="bargauge", outer="sum"),
        _one("itops_device_up", "kind", outer="sum", title=("Devices online by kind", "各类设备在线数"),
             only_in=PROMETHEUS),
        _one(DEVICE_METRIC, outer="sum", title=("SNMP devices answering", "SNMP 设备应答数"), unit="short"),
    ), time_from="now-7d")

SELF_MONITORING = Dashboard(
    "itops", ("itops self-monitoring", "itops 自身监控"), (), (
        Panel((_q("itops_collector_connected_agents"),), "stat", unit="short", width=12),
        Panel((_q("itops_collector_known_agents"),), "stat", unit="short", width=12),
        _one("itops_collector_samples_ingested_total", inner="rate", outer="sum",
             title=("Samples ingested per second", "每秒接收样本数"), unit="cps"),
        _one("itops_collector_batches_rejected_total", "reason", inner="rate", outer="sum",
             title=("Batches rejected per second", "每秒拒收批次"), unit="cps"),
        _one("itops_collector_ingest_duration_seconds", inner="histogram_mean",
             title=("Mean time to acknowledge a batch", "批次确认平均耗时")),
        _one("itops_collector_storage_write_duration_seconds", inner="histogram_mean",
             title=("Mean storage commit time", "存储提交平均耗时")),
        _one("itops_collector_pending_samples", unit="short"),
        _one("itops_output_queued_bytes", "output"),
        _one("itops_output_oldest_queued_age_seconds", "output"),
        _one("itops_output_written_samples_total", "output", inner="rate", outer="sum",
             title=("Samples written to outputs per second", "每秒写出样本数"), unit="cps"),
        _one("itops_output_dropped_samples_total", "output", "reason", inner="increase", outer="sum",
             title=("Samples dropped by outputs", "输出丢弃样本"), unit="short"),
        _one("itops_output_up", "output", kind="state"),
        _one("itops_rule_evaluations_total", "trigger", inner="rate", outer="sum",
             title=("Rule evaluations per second", "每秒规则评估次数"), unit="cps"),
        _one("itops_rule_evaluation_duration_seconds", "trigger", inner="histogram_mean",
             title=("Mean rule evaluation round time", "规则评估每轮平均耗时")),
        _one("itops_rule_evaluation_failures_total", "trigger", inner="increase", outer="sum",
             title=("Failed rule evaluation rounds", "规则评估失败轮数"), unit="short"),
        _one("itops_notifications_total", "notifier", "outcome", inner="increase", outer="sum",
             title=("Notifications sent and failed", "已发送和失败的通知"), unit="short"),
        _one("itops_notification_duration_seconds", "notifier", inner="histogram_mean",
             title=("Mean notification attempt time", "通知每次尝试平均耗时")),
        _one("itops_notifications_queued", "notifier", outer="sum"),
        _one("itops_agent_buffer_bytes", "host"),
        _one("itops_agent_buffer_oldest_age_seconds", "host"),
    ), time_from="now-1h")

DASHBOARDS = (HOSTS_OVERVIEW, HOST_DETAIL, PRINTERS, NETWORK, POWER_AND_ROOM, ATTENDANCE_CLOCKS, ALERTS_AND_INCIDENTS,
              SELF_MONITORING)
