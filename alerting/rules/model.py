"""The alerting pipeline's shared nouns: what arrives (samples, check results), and the alerts it yields.

Data flows one way: the collector hands every accepted batch to the rule evaluator as an
``ObservedBatch``; the evaluator yields ``Alert`` state changes; muters (silences, maintenance windows,
dependencies) mark them; the dispatcher groups and routes them to notifiers. Nothing here imports the
collector. Time is UTC (aware ``datetime``) inside; zones appear only in messages and the UI.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from itops.entities import Entity

__all__ = [
    "Alert", "AlertState", "CheckObservation", "MuteReason", "ObservedBatch", "SampleObservation", "Severity",
    "fingerprint",
]


class Severity(str, enum.Enum):
    """The company's emergency levels; display names and colours are configurable."""

    P1 = "P1"  # Ⅰ级 紧急
    P2 = "P2"  # Ⅱ级 重要
    P3 = "P3"  # Ⅲ级 一般
    P4 = "P4"  # Ⅳ级 轻微


class AlertState(str, enum.Enum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class SampleObservation:
    """One series' new samples from one accepted batch (timestamps in UTC milliseconds)."""

    name: str
    labels: dict[str, str]  # includes `agent` and, for host metrics, `host`; devices carry `device`
    timestamps_ms: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class CheckObservation:
    check: str
    target: str
    status: str  # OK | WARNING | CRITICAL | UNKNOWN
    message: str  # as the agent sent it (English)
    timestamp_ms: int
    labels: dict[str, str]
    messages: dict[str, str] = field(default_factory=dict)  # language → the message rendered by the collector


@dataclass(frozen=True, slots=True)
class ObservedBatch:
    agent_id: str
    received_ms: int
    samples: tuple[SampleObservation, ...] = ()
    checks: tuple[CheckObservation, ...] = ()
    # Every entity the batch has data about and every host that reports one, from series no rule looks at too:
    # what tells a host or device is still reporting.
    entities: tuple[Entity, ...] = ()


def fingerprint(labels: dict[str, str]) -> str:
    """Stable identity of an alert: its labels (which include `alertname`), sorted."""
    text = "\x00".join(f"{name}\x01{labels[name]}" for name in sorted(labels))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class MuteReason(str):
    """Why an alert is muted: the English sentence (logs, CLI, notifications), with a ``key`` and ``args`` so the
    console can say it in its reader's language (``muted.<key>`` of its texts)."""

    key: str
    args: dict[str, str]

    def __new__(cls, key: str, text: str, **args: str) -> MuteReason:
        reason = super().__new__(cls, text)
        reason.key, reason.args = key, args
        return reason


@dataclass
class Alert:
    rule: str
    labels: dict[str, str]  # includes `alertname` and `severity`
    annotations: dict[str, str]
    severity: Severity
    state: AlertState = AlertState.INACTIVE
    value: float | None = None
    value_texts: dict[str, str] = field(default_factory=dict)  # language → the value in its unit (rules.value_texts)
    pending_since: datetime | None = None
    firing_since: datetime | None = None
    resolved_at: datetime | None = None
    last_change: datetime | None = None
    flapping: bool = False
    muted_by: list[str] = field(default_factory=list)  # why it is not notified, e.g. "silence 3f2a by wang: …"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)
