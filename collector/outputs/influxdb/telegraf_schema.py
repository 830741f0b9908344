"""Telegraf's host schema (``schema: telegraf``): the host input's samples written as the lines Telegraf's
``cpu``, ``mem``, ``swap``, ``disk``, ``diskio``, ``net``, ``system`` and ``processes`` inputs write, with their
measurement, tag and field names and their integer and float field types, so that dashboards and queries built
on Telegraf's data keep working when itops replaces Telegraf.

One line is made of the samples of one batch that share a timestamp and their labels, except the label that
names a field (a CPU's ``mode``, a process ``state``). Every label is kept as a tag (``host``, ``agent``, an
input's own labels), renamed where Telegraf names it otherwise (``mountpoint`` → ``path``). The agent may cut one
gather into two batches: a field made of several samples is written only when they are all in the batch, and a
disk line only with its mode, so the two lines of such a gather are two parts of Telegraf's one point (InfluxDB
merges them), never a wrong value or another series. Telegraf's formulas where they differ from itops' metrics:

- ``cpu`` ``usage_<mode>``: ``itops_host_cpu_mode_ratio`` in percent (the agent already leaves guest time out of
  user time, as Telegraf does); ``usage_active`` is 100 − ``usage_idle``.
- ``mem`` ``used`` is total − free − buffers − cached (``itops_host_memory_used_bytes``, psutil's, is total −
  available; where the OS reports no buffers and cache, Telegraf's ``used`` is psutil's too).
- ``disk`` ``used_percent`` is used / (used + free), as ``df``; ``mode`` is ``ro`` or ``rw`` (never Telegraf's
  ``unknown``: the agent counts a mount that says neither as read-write).
- ``diskio`` times in milliseconds; ``system`` ``uptime`` in whole seconds.

Not written, because the agent does not read them: cpu ``time_*`` (Telegraf's ``collect_cpu_time``), mem's
kernel details (``slab``, ``dirty``, ``commit_limit`` …), diskio ``weighted_io_time`` and ``iops_in_progress``,
processes ``total_threads``, and system's deprecated ``uptime_format`` string (Telegraf no longer writes it).
Metrics under ``itops_host_`` that are not in ``TELEGRAF_SOURCE_METRICS`` (``itops_host_cpu_usage_ratio``, the
``_per_second`` rates, ``itops_host_up`` …) have no Telegraf field and give no line here: to keep them, an output
sends those through the itops schema (choosing by ``TELEGRAF_SOURCE_METRICS``, not by the prefix alone).

Pure: samples in, lines out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_KEPT

__all__ = ["TELEGRAF_FIELD_TYPES", "TELEGRAF_SOURCE_METRICS", "telegraf_lines"]

Sample = tuple[str, Mapping[str, str], int, float]
Values = Mapping[str, float]  # metric name -> value
Fields = dict[str, float]

# Telegraf's field types (int fields are written with the ``i`` suffix), per measurement.
TELEGRAF_FIELD_TYPES: Mapping[str, Mapping[str, type]] = {
    "cpu": {f"usage_{mode}": float for mode in (
        "user", "system", "idle", "active", "nice", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")},
    "mem": {"total": int, "available": int, "used": int, "free": int, "buffered": int, "cached": int,
            "used_percent": float, "available_percent": float},
    "swap": {"total": int, "used": int, "free": int, "in": int, "out": int, "used_percent": float},
    "disk": {"total": int, "free": int, "used": int, "inodes_total": int, "inodes_free": int, "inodes_used": int,
             "used_percent": float},
    "diskio": dict.fromkeys(("reads", "writes", "read_bytes", "write_bytes", "read_time", "write_time", "io_time",
                             "merged_reads", "merged_writes"), int),
    "net": dict.fromkeys(("bytes_sent", "bytes_recv", "packets_sent", "packets_recv", "err_in", "err_out", "drop_in",
                          "drop_out"), int),
    "system": {"load1": float, "load5": float, "load15": float, "n_cpus": int, "n_users": int,
               "n_unique_users": int, "uptime": int},
    "processes": dict.fromkeys(("total", "running", "sleeping", "blocked", "stopped", "zombies", "dead", "paging",
                                "idle", "parked", "unknown"), int),
}


@dataclass(frozen=True)
class _Measurement:
    name: str
    sources: tuple[str, ...]  # the itops metrics its fields are made of
    fields: Callable[[Values, Values], Fields]  # (values by metric, values by field label) -> fields
    tags: Mapping[str, tuple[str, Callable[[str], str]]] | None = None  # itops label -> Telegraf tag, its spelling
    field_label: str | None = None  # the label that names a field rather than being a tag
    derived_tags: Callable[[Values], dict[str, str] | None] | None = None  # tags made of values (disk's mode);
    # None from it: not in this batch, and no line, rather than one in another series


def _present(**fields: float | None) -> Fields:
    return {name: value for name, value in fields.items() if value is not None}


def _percent(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else 100 * part / whole


def _percent_or_zero(part: float | None, whole: float | None) -> float | None:
    """As Telegraf (swap, disk): 0 % of nothing."""
    return None if part is None or whole is None else 100 * part / whole if whole else 0.0


def _cpu_fields(values: Values, modes: Values) -> Fields:
    fields = {f"usage_{mode}": 100 * share for mode, share in modes.items()
              if f"usage_{mode}" in TELEGRAF_FIELD_TYPES["cpu"]}
    if "idle" in modes:
        fields["usage_active"] = 100 * (1 - modes["idle"])
    return fields


def _mem_fields(values: Values, _: Values) -> Fields:
    total, available = values.get("itops_host_memory_total_bytes"), values.get("itops_host_memory_available_bytes")
    free, buffers, cached = (values.get(f"itops_host_memory_{part}_bytes") for part in ("free", "buffers", "cached"))
    if None not in (total, free, buffers, cached):
        used = total - free - buffers - cached
    elif total is not None and buffers is None and cached is None:  # the OS has neither (the agent sends them
        used = values.get("itops_host_memory_used_bytes")             # between total and psutil's used)
    else:
        used = None
    return _present(total=total, available=available, used=used, free=free, buffered=buffers, cached=cached,
                    used_percent=_percent(used, total), available_percent=_percent(available, total))


def _swap_fields(values: Values, _: Values) -> Fields:
    total, used = values.get("itops_host_swap_total_bytes"), values.get("itops_host_swap_used_bytes")
    return _present(total=total, used=used, free=values.get("itops_host_swap_free_bytes"),
                    used_percent=_percent_or_zero(used, total),
                    **{"in": values.get("itops_host_swap_in_bytes_total"),
                       "out": values.get("itops_host_swap_out_bytes_total")})


def _disk_fields(values: Values, _: Values) -> Fields:
    total = values.get("itops_host_filesystem_size_bytes")
    if total == 0:  # as Telegraf: a filesystem of no size is a pseudo filesystem
        return {}
    used, free = values.get("itops_host_filesystem_used_bytes"), values.get("itops_host_filesystem_free_bytes")
    inodes, inodes_free = values.get("itops_host_filesystem_inodes"), values.get("itops_host_filesystem_inodes_free")
    return _present(total=total, used=used, free=free,
                    used_percent=None if used is None or free is None else _percent_or_zero(used, used + free),
                    inodes_total=inodes, inodes_free=inodes_free,
                    inodes_used=None if inodes is None or inodes_free is None else inodes - inodes_free)


def _disk_mode(values: Values) -> dict[str, str] | None:
    read_only = values.get("itops_host_filesystem_read_only")
    return None if read_only is None else {"mode": "ro" if read_only else "rw"}


def _renamed(names: Mapping[str, str], scale: float = 1) -> Callable[[Values, Values], Fields]:
    """Fields that are metrics' values under another name (times ``scale``)."""
    return lambda values, _: {field: values[metric] * scale for metric, field in names.items() if metric in values}


_DISKIO_COUNTS = {
    "itops_host_disk_reads_total": "reads", "itops_host_disk_writes_total": "writes",
    "itops_host_disk_read_bytes_total": "read_bytes", "itops_host_disk_written_bytes_total": "write_bytes",
    "itops_host_disk_merged_reads_total": "merged_reads", "itops_host_disk_merged_writes_total": "merged_writes",
}
_DISKIO_SECONDS = {  # sent in seconds, written in milliseconds
    "itops_host_disk_read_time_seconds_total": "read_time", "itops_host_disk_write_time_seconds_total": "write_time",
    "itops_host_disk_io_time_seconds_total": "io_time",
}


def _diskio_fields(values: Values, _: Values) -> Fields:
    return {**_renamed(_DISKIO_COUNTS)(values, {}), **_renamed(_DISKIO_SECONDS, 1000)(values, {})}


_NET_FIELDS = {
    "itops_host_network_transmitted_bytes_total": "bytes_sent", "itops_host_network_received_bytes_total": "bytes_recv",
    "itops_host_network_transmitted_packets_total": "packets_sent",
    "itops_host_network_received_packets_total": "packets_recv",
    "itops_host_network_receive_errors_total": "err_in", "itops_host_network_transmit_errors_total": "err_out",
    "itops_host_network_receive_drops_total": "drop_in", "itops_host_network_transmit_drops_total": "drop_out",
}
_SYSTEM_FIELDS = {
    "itops_host_load1": "load1", "itops_host_load5": "load5", "itops_host_load15": "load15",
    "itops_host_cpus": "n_cpus", "itops_host_user_sessions": "n_users", "itops_host_users": "n_unique_users",
}


def _system_fields(values: Values, _: Values) -> Fields:
    fields = _renamed(_SYSTEM_FIELDS)(values, {})
    if "itops_host_uptime_seconds" in values:  # as Telegraf: whole seconds since boot, cut, not rounded
        fields["uptime"] = math.floor(values["itops_host_uptime_seconds"])
    return fields


# Telegraf's field -> the psutil states it counts (Linux; psutil's "waking" is the letter W, Telegraf's "paging").
# A field is written when all its states are in the batch: the agent always sends those Telegraf always writes.
_PROCESS_FIELD_STATES = {
    "running": ("running",), "sleeping": ("sleeping",), "blocked": ("disk-sleep",),
    "stopped": ("stopped", "tracing-stop"), "zombies": ("zombie",), "dead": ("dead",), "paging": ("waking",),
    "idle": ("idle",), "parked": ("parked",), "unknown": ("unknown",),
}


def _processes_fields(values: Values, states: Values) -> Fields:
    """The states' counts and the total; other states (wake-kill …) count in the total only, as in Telegraf."""
    fields = {field: sum(states[state] for state in field_states)
              for field, field_states in _PROCESS_FIELD_STATES.items() if all(state in states for state in field_states)}
    return _present(**fields, total=values.get("itops_host_processes"))


def _cpu_name(cpu: str) -> str:
    return "cpu-total" if cpu == "total" else f"cpu{cpu}"


def _kept(value: str) -> str:
    return value


_MEASUREMENTS = (
    _Measurement("cpu", ("itops_host_cpu_mode_ratio",), _cpu_fields, {"cpu": ("cpu", _cpu_name)}, field_label="mode"),
    _Measurement("mem", tuple(f"itops_host_memory_{part}_bytes" for part in (
        "total", "available", "used", "free", "buffers", "cached")), _mem_fields),
    _Measurement("swap", ("itops_host_swap_total_bytes", "itops_host_swap_used_bytes", "itops_host_swap_free_bytes",
                          "itops_host_swap_in_bytes_total", "itops_host_swap_out_bytes_total"), _swap_fields),
    _Measurement("disk", tuple(f"itops_host_filesystem_{name}" for name in (
        "size_bytes", "used_bytes", "free_bytes", "inodes", "inodes_free", "read_only")), _disk_fields,
        {"disk": ("device", lambda device: device.replace("/dev/", "")), "mountpoint": ("path", _kept),
         "fstype": ("fstype", _kept)}, derived_tags=_disk_mode),
    _Measurement("diskio", (*_DISKIO_COUNTS, *_DISKIO_SECONDS), _diskio_fields, {"disk": ("name", _kept)}),
    _Measurement("net", tuple(_NET_FIELDS), _renamed(_NET_FIELDS), {"interface": ("interface", _kept)}),
    _Measurement("system", (*_SYSTEM_FIELDS, "itops_host_uptime_seconds"), _system_fields),
    _Measurement("processes", ("itops_host_processes", "itops_host_processes_state"), _processes_fields,
                 field_label="state"),
)
_MEASUREMENT_OF = {metric: measurement for measurement in _MEASUREMENTS for metric in measurement.sources}
TELEGRAF_SOURCE_METRICS = frozenset(_MEASUREMENT_OF)


@dataclass
class _Point:
    """The samples of one future line."""

    measurement: _Measurement
    labels: Mapping[str, str]  # all but the field label
    timestamp_ns: int
    values: dict[str, float]
    by_field_label: dict[str, float]


def telegraf_lines(samples: Iterable[Sample]) -> list[str]:
    """Telegraf-schema lines of one batch's ``(metric, labels with agent, timestamp ns, value)`` host samples."""
    points: dict[tuple, _Point] = {}
    for metric, labels, timestamp_ns, value in samples:
        measurement = _MEASUREMENT_OF.get(metric)
        if measurement is None or not math.isfinite(value):
            continue
        label_name = measurement.field_label
        point_labels = {name: text for name, text in labels.items() if name != label_name}
        key = (measurement.name, timestamp_ns, tuple(sorted(point_labels.items())))
        point = points.get(key)
        if point is None:
            point = points[key] = _Point(measurement, point_labels, timestamp_ns, {}, {})
        if label_name is not None and label_name in labels:
            point.by_field_label[labels[label_name]] = value
        else:
            point.values[metric] = value
    return [line for point in points.values() if (line := _line(point))]


def _line(point: _Point) -> str:
    measurement = point.measurement
    fields = measurement.fields(point.values, point.by_field_label)
    if not fields:
        return ""
    types = TELEGRAF_FIELD_TYPES[measurement.name]
    written = ",".join(f"{name}={_field_value(value, types[name])}" for name, value in sorted(fields.items()))
    tags = _tags(point.labels, measurement.tags or {})
    if measurement.derived_tags is not None:
        derived = measurement.derived_tags(point.values)
        if derived is None:
            return ""
        tags.update(derived)
    tag_text = "".join(f",{_escaped(name)}={_escaped(value)}" for name, value in sorted(tags.items())
                       if _escaped(value))
    return f"{measurement.name}{tag_text} {written} {point.timestamp_ns}"


def _tags(labels: Mapping[str, str], renames: Mapping[str, tuple[str, Callable[[str], str]]]) -> dict[str, str]:
    tags = {}
    for label, value in labels.items():
        tag, spelling = renames.get(label, (label, _kept))
        tags[tag] = spelling(value)
    return tags


def _escaped(text: str) -> str:
    # As Telegraf's serializer: a trailing backslash is left out, others kept (Windows' C:\ is written C:).
    return text.rstrip("\\").translate(BACKSLASH_KEPT.tag_value_escapes)


def _field_value(value: float, kind: type) -> str:
    return f"{round(value)}i" if kind is int else repr(float(value))
