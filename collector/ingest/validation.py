"""Check an agent's batch before anything of it is stored: all of it is valid, or none of it is taken.

The first problem rejects the whole batch with a machine reason (for the rejection metric) and a message
that names the field, the index and the series key. Validation has no side effect but remembering which
series keys were valid: in the steady state an agent sends the same keys every time, so only the
per-sample columns are checked, and those with numpy.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

import numpy as np

from itops.collector.ingest.text_fields import (
    MAX_HOSTNAME_BYTES,
    string_fields,
    text_problem,
)
from itops.collector.ingest.validation_limits import ValidationLimits
from itops.series_key import (
    LABEL_NAME_RE,
    METRIC_NAME_RE,
    RESERVED_LABEL,
    control_character_problem,
    parse_series_key,
)
from itops.v1 import ingest_pb2

__all__ = ["RejectReason", "BatchRejected", "ValidationLimits", "ValidBatch", "BatchValidator", "shown"]

# The collector adds this label from the agent's authenticated identity; an agent must not set it.
MAX_SEQUENCE = 2**63 - 1  # sequences are uint64 on the wire; stores keep them as signed 64-bit integers
_CHECK_STATUSES = frozenset(ingest_pb2.CheckStatus.values())
MESSAGE_KEY_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")  # a check message part's catalogue key
ARGUMENT_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")
_SHOWN_KEY_CHARS = 120


class RejectReason(StrEnum):
    INVALID_SEQUENCE = "invalid_sequence"
    COLUMN_LENGTH_MISMATCH = "column_length_mismatch"
    TOO_MANY_SAMPLES = "too_many_samples"
    TOO_MANY_SERIES = "too_many_series"
    DUPLICATE_SERIES_KEY = "duplicate_series_key"
    INVALID_SERIES_KEY = "invalid_series_key"
    TOO_MANY_LABELS = "too_many_labels"
    INVALID_LABEL = "invalid_label"
    RESERVED_LABEL = "reserved_label"
    SERIES_INDEX_OUT_OF_RANGE = "series_index_out_of_range"
    TIMESTAMP_OUT_OF_WINDOW = "timestamp_out_of_window"
    NON_FINITE_VALUE = "non_finite_value"
    TOO_MANY_CHECKS = "too_many_checks"
    INVALID_CHECK = "invalid_check"
    INVENTORY_TOO_LARGE = "inventory_too_large"
    INVALID_INVENTORY = "invalid_inventory"
    INVALID_HELLO = "invalid_hello"


class BatchRejected(Exception):
    """The batch is not stored. ``reason`` labels the rejection metric; ``str(exc)`` tells a person why."""

    def __init__(self, reason: RejectReason, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ValidBatch:
    """A batch that passed validation. Sample i is ``(keys[series_index[i]], timestamps_ms[i], values[i])``."""

    sequence: int
    keys: list[str]
    series_index: np.ndarray  # uint32, each < len(keys)
    timestamps_ms: np.ndarray  # int64
    values: np.ndarray  # float64
    checks: list[ingest_pb2.CheckResult]
    inventory: ingest_pb2.InventorySnapshot | None


@dataclass(frozen=True, slots=True)
class _Window:
    """The timestamps accepted now, in ms: ``first <= t <= last``."""

    first_ms: int
    last_ms: int

    def describe(self, timestamp_ms: int) -> str:
        side = "before the oldest" if timestamp_ms < self.first_ms else "after the newest"
        return f"is {timestamp_ms}, {side} accepted timestamp ({self.first_ms}..{self.last_ms} by the collector's clock)"


class BatchValidator:
    def __init__(self, limits: ValidationLimits, clock: Callable[[], float] = time.time):
        self._limits = limits
        self._clock = clock
        self._valid_keys: set[str] = set()

    def validate(self, batch: ingest_pb2.Batch) -> ValidBatch:
        """The batch as arrays, or BatchRejected naming its first problem."""
        if batch.sequence == 0:
            raise BatchRejected(RejectReason.INVALID_SEQUENCE, "sequence is 0; sequences start at 1")
        if batch.sequence > MAX_SEQUENCE:
            raise BatchRejected(RejectReason.INVALID_SEQUENCE,
                                f"sequence {batch.sequence} is above {MAX_SEQUENCE}, the largest the collector can store")
        window = self._window()
        keys, series_index, timestamps_ms, values = self._validate_samples(batch.samples, window)
        self._validate_checks(batch.checks, window)
        inventory = batch.inventory if batch.HasField("inventory") else None
        if inventory is not None:
            self._validate_inventory(inventory, window)
        return ValidBatch(batch.sequence, keys, series_index, timestamps_ms, values, list(batch.checks), inventory)

    def validate_hello(self, hello: ingest_pb2.AgentHello) -> None:
        """BatchRejected naming the first Hello field that is too long, holds a control character or is out of range."""
        hostname_bytes = len(hello.hostname.encode())
        if not 0 < hostname_bytes <= MAX_HOSTNAME_BYTES:
            raise BatchRejected(RejectReason.INVALID_HELLO,
                                f"hostname is {hostname_bytes} bytes long; it must be 1 to {MAX_HOSTNAME_BYTES}")
        if len(hello.ip_addresses) > self._limits.max_ip_addresses:
            raise BatchRejected(RejectReason.INVALID_HELLO, f"ip_addresses holds {len(hello.ip_addresses)} entries; "
                                                            f"the limit is {self._limits.max_ip_addresses}")
        self._validate_text_fields(hello, "", RejectReason.INVALID_HELLO)
        window = self._window()
        if not 0 <= hello.boot_time_unix_ms <= window.last_ms:
            raise BatchRejected(RejectReason.INVALID_HELLO, f"boot_time_unix_ms is {hello.boot_time_unix_ms}; it must be "
                                                            f"0 to {window.last_ms} (the collector's clock)")

    def _validate_text_fields(self, message, path: str, reason: RejectReason) -> None:
        for where, value in string_fields(message, path):
            if problem := text_problem(value, self._limits.max_text_length):
                raise BatchRejected(reason, f"{where.lstrip('.')} {shown(value)} {problem}")

    def labels_of(self, key: str) -> tuple[str, dict[str, str]]:
        """``(name, labels)`` of a validated key. Stores call it once per new series, so it is not cached."""
        return parse_series_key(key)

    def _window(self) -> _Window:
        now_ms = int(self._clock() * 1000)
        first_ms = max(1, now_ms - int(self._limits.max_age * 1000))
        return _Window(first_ms, now_ms + int(self._limits.max_future_skew * 1000))

    def _validate_samples(
        self, block: ingest_pb2.SampleBlock, window: _Window
    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        count = len(block.values)
        if not len(block.series_index) == len(block.timestamps_ms) == count:
            raise BatchRejected(
                RejectReason.COLUMN_LENGTH_MISMATCH,
                f"samples columns differ in length: series_index {len(block.series_index)}, "
                f"timestamps_ms {len(block.timestamps_ms)}, values {count}",
            )
        if count > self._limits.max_samples_per_batch:
            raise BatchRejected(
                RejectReason.TOO_MANY_SAMPLES,
                f"samples holds {count} samples; the collector accepts at most {self._limits.max_samples_per_batch} per batch",
            )
        keys = self._validate_keys(block.series)
        series_index = np.array(block.series_index, dtype=np.uint32)
        timestamps_ms = np.array(block.timestamps_ms, dtype=np.int64)
        values = np.array(block.values, dtype=np.float64)
        if count:
            _check_series_index(series_index, keys)
            _check_timestamps(timestamps_ms, window, keys, series_index)
            if self._limits.non_finite == "reject":
                _check_finite(values, keys, series_index)
        return keys, series_index, timestamps_ms, values

    def _validate_keys(self, series: Sequence[str]) -> list[str]:
        if len(series) > self._limits.max_series_per_batch:
            raise BatchRejected(
                RejectReason.TOO_MANY_SERIES,
                f"samples.series lists {len(series)} series; the collector accepts at most {self._limits.max_series_per_batch} per batch",
            )
        keys = list(series)
        distinct = set(keys)
        if len(distinct) != len(keys):
            _reject_duplicate_key(keys)
        if not distinct <= self._valid_keys:
            self._remember(self._validate_new_keys(keys))
        return keys

    def _validate_new_keys(self, keys: list[str]) -> list[str]:
        new_keys = []
        for index, key in enumerate(keys):
            if key not in self._valid_keys:
                self._validate_key(key, f"samples.series[{index}]")
                new_keys.append(key)
        return new_keys

    def _remember(self, new_keys: list[str]) -> None:
        # Forgetting everything at the cap bounds memory (to the cap plus one batch's keys) against agents
        # that invent keys without end; the honest agents' keys are validated again once.
        if len(self._valid_keys) + len(new_keys) > self._limits.max_cached_series_keys:
            self._valid_keys.clear()
        self._valid_keys.update(new_keys)

    def _validate_key(self, key: str, where: str) -> None:
        limits = self._limits
        if len(key) > limits.max_series_key_length:
            raise BatchRejected(
                RejectReason.INVALID_SERIES_KEY,
                f"{where} {shown(key)} is {len(key)} characters long; the limit is {limits.max_series_key_length}",
            )
        try:
            name, labels = parse_series_key(key)
        except ValueError as exc:
            raise BatchRejected(RejectReason.INVALID_SERIES_KEY, f"{where} {shown(key)} is not a canonical series key: {exc}") from None
        if len(name) > limits.max_metric_name_length:
            raise BatchRejected(
                RejectReason.INVALID_SERIES_KEY,
                f"{where} {shown(key)}: the metric name is {len(name)} characters long; the limit is {limits.max_metric_name_length}",
            )
        self._validate_labels(labels, f"{where} {shown(key)}")

    def _validate_labels(self, labels: dict[str, str], where: str) -> None:
        if len(labels) > self._limits.max_labels_per_series:
            raise BatchRejected(
                RejectReason.TOO_MANY_LABELS,
                f"{where} has {len(labels)} labels; the limit is {self._limits.max_labels_per_series}",
            )
        for name, value in labels.items():
            self._validate_label(name, value, where)

    def _validate_label(self, name: str, value: str, where: str) -> None:
        limits = self._limits
        if name == RESERVED_LABEL:
            raise BatchRejected(
                RejectReason.RESERVED_LABEL,
                f"{where} sets the label {name!r}; the collector sets it from the agent's identity",
            )
        problem = None
        if not LABEL_NAME_RE.fullmatch(name):
            problem = "is not a label name: it must match [a-zA-Z_][a-zA-Z0-9_]*"
        elif name.startswith("__"):
            problem = "starts with '__', which is reserved for internal labels"
        elif len(name) > limits.max_label_name_length:
            problem = f"is {len(name)} characters long; the limit is {limits.max_label_name_length}"
        elif not value:
            problem = "has an empty value; leave the label out instead"
        elif len(value) > limits.max_label_value_length:
            problem = f"has a value {len(value)} characters long; the limit is {limits.max_label_value_length}"
        elif control := control_character_problem(value, multi_line=True):
            problem = f"value {control}"
        if problem:
            raise BatchRejected(RejectReason.INVALID_LABEL, f"{where}: label {shown(name)} {problem}")

    def _validate_checks(self, checks: Sequence[ingest_pb2.CheckResult], window: _Window) -> None:
        if len(checks) > self._limits.max_checks_per_batch:
            raise BatchRejected(
                RejectReason.TOO_MANY_CHECKS,
                f"checks holds {len(checks)} results; the collector accepts at most {self._limits.max_checks_per_batch} per batch",
            )
        for index, check in enumerate(checks):
            self._validate_check(check, f"checks[{index}]", window)

    def _validate_check(self, check: ingest_pb2.CheckResult, where: str, window: _Window) -> None:
        limits = self._limits
        problem = None
        if not METRIC_NAME_RE.fullmatch(check.check) or len(check.check) > limits.max_metric_name_length:
            problem = f".check {shown(check.check)} must match [a-zA-Z_:][a-zA-Z0-9_:]* and be at most {limits.max_metric_name_length} characters"
        elif not 0 < len(check.target) <= limits.max_check_target_length:
            problem = f".target must be 1 to {limits.max_check_target_length} characters long, is {len(check.target)}"
        elif control := control_character_problem(check.target, multi_line=False):
            problem = f".target {control}"
        elif check.status not in _CHECK_STATUSES:
            problem = f".status {check.status} is not a CheckStatus"
        elif not (math.isfinite(check.duration_seconds) and check.duration_seconds >= 0):
            problem = f".duration_seconds is {check.duration_seconds}; it must be finite and 0 or more"
        elif message_problem := text_problem(check.message, limits.max_check_message_length, multi_line=True):
            problem = f".message {message_problem}"
        else:
            problem = self._message_parts_problem(check.message_parts)
        if problem:
            raise BatchRejected(RejectReason.INVALID_CHECK, f"{where}{problem} (target {shown(check.target)})")
        if not window.first_ms <= check.timestamp_ms <= window.last_ms:
            raise BatchRejected(
                RejectReason.TIMESTAMP_OUT_OF_WINDOW,
                f"{where}.timestamp_ms (check {check.check}, target {shown(check.target)}) {window.describe(check.timestamp_ms)}",
            )
        self._validate_check_labels(check.labels, where)

    def _message_parts_problem(self, parts: Sequence[ingest_pb2.MessagePart]) -> str | None:
        limits = self._limits
        if len(parts) > limits.max_check_message_parts:
            return f".message_parts holds {len(parts)} parts; the limit is {limits.max_check_message_parts}"
        for index, part in enumerate(parts):
            where = f".message_parts[{index}]"
            if not MESSAGE_KEY_RE.fullmatch(part.key) or len(part.key) > limits.max_metric_name_length:
                return (f"{where}.key {shown(part.key)} must be dotted lower-case words such as tcp_connect.refused, "
                        f"at most {limits.max_metric_name_length} characters")
            if len(part.args) > limits.max_check_message_args:
                return f"{where}.args holds {len(part.args)} arguments; the limit is {limits.max_check_message_args}"
            for name, value in sorted(part.args.items()):
                if not ARGUMENT_NAME_RE.fullmatch(name) or len(name) > limits.max_label_name_length:
                    return (f"{where}.args: name {shown(name)} must match [a-z_][a-z0-9_]* and be at most "
                            f"{limits.max_label_name_length} characters")
                if value_problem := text_problem(value, limits.max_label_value_length, multi_line=True):
                    return f"{where}.args[{shown(name)}] {value_problem}"
        return None

    def _validate_check_labels(self, labels: Sequence[ingest_pb2.Label], where: str) -> None:
        by_name: dict[str, str] = {}
        for index, label in enumerate(labels):
            if label.name in by_name:
                raise BatchRejected(RejectReason.INVALID_LABEL, f"{where}.labels[{index}]: label {shown(label.name)} appears twice")
            by_name[label.name] = label.value
        self._validate_labels(by_name, f"{where}.labels")

    def _validate_inventory(self, inventory: ingest_pb2.InventorySnapshot, window: _Window) -> None:
        limits = self._limits
        for field, count, limit in (
            ("disks", len(inventory.disks), limits.max_inventory_disks),
            ("network_interfaces", len(inventory.network_interfaces), limits.max_inventory_network_interfaces),
        ):
            if count > limit:
                raise BatchRejected(
                    RejectReason.INVENTORY_TOO_LARGE, f"inventory.{field} holds {count} entries; the limit is {limit}"
                )
        if not window.first_ms <= inventory.timestamp_ms <= window.last_ms:
            raise BatchRejected(RejectReason.INVALID_INVENTORY,
                                f"inventory.timestamp_ms {window.describe(inventory.timestamp_ms)}")
        self._validate_text_fields(inventory, "inventory", RejectReason.INVALID_INVENTORY)


def _check_series_index(series_index: np.ndarray, keys: list[str]) -> None:
    if series_index.max() < len(keys):
        return
    index = int(np.argmax(series_index >= len(keys)))
    raise BatchRejected(
        RejectReason.SERIES_INDEX_OUT_OF_RANGE,
        f"samples.series_index[{index}] is {series_index[index]}, but samples.series lists {len(keys)} series",
    )


def _check_timestamps(timestamps_ms: np.ndarray, window: _Window, keys: list[str], series_index: np.ndarray) -> None:
    if timestamps_ms.min() >= window.first_ms and timestamps_ms.max() <= window.last_ms:
        return
    index = int(np.argmax((timestamps_ms < window.first_ms) | (timestamps_ms > window.last_ms)))
    raise BatchRejected(
        RejectReason.TIMESTAMP_OUT_OF_WINDOW,
        f"samples.timestamps_ms[{index}] (series {keys[series_index[index]]}) {window.describe(int(timestamps_ms[index]))}",
    )


def _check_finite(values: np.ndarray, keys: list[str], series_index: np.ndarray) -> None:
    finite = np.isfinite(values)
    if finite.all():
        return
    index = int(np.argmin(finite))
    value = values[index]
    shown = "NaN" if np.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    raise BatchRejected(
        RejectReason.NON_FINITE_VALUE,
        f"samples.values[{index}] (series {keys[series_index[index]]}) is {shown}; the collector's non_finite policy is reject",
    )


def _reject_duplicate_key(keys: list[str]) -> NoReturn:
    first_index: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in first_index:
            raise BatchRejected(
                RejectReason.DUPLICATE_SERIES_KEY,
                f"samples.series[{index}] {shown(key)} repeats samples.series[{first_index[key]}]",
            )
        first_index[key] = index


def shown(text: str) -> str:
    """Agent-supplied text made safe for a log line: quoted, control characters escaped, cut short."""
    if len(text) <= _SHOWN_KEY_CHARS:
        return repr(text)
    return f"{text[:_SHOWN_KEY_CHARS]!r}… ({len(text)} characters)"
