"""Reporting a check result: the CheckResult itself, plus its status as 0/1 gauges and its duration.

Every input that checks something reports through ``report_check``, so a check always yields the same
series: ``itops_check_status{check,target,status}`` (1 for the current status, 0 for the other three,
like a Prometheus state set) and ``itops_check_duration_seconds{check,target}``.

A check's message is said in ``CheckMessage`` parts, one per finding: each has a catalogue key, the values
it names and its English text. The collector renders the keys in the reader's language from its catalogue
(``itops.collector.records.check_messages``); the English text travels too, as the fallback for a collector that
does not know a key. Every key is declared once, at import, in ``CHECK_MESSAGES``: a test holds it against
the collector's catalogue.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from itops.agent.inputs.base import Accumulator
from itops.v1 import ingest_pb2

__all__ = ["CHECK_MESSAGES", "ENGLISH_FORMATS", "CheckMessage", "CheckStatus", "MessagePart", "report_check", "worst_status"]

CHECK_MESSAGES: dict[str, CheckMessage] = {}  # key → its declaration, for every message the agent can say
MESSAGE_SEPARATOR = "; "


def clock_offset(drift_s: float) -> str:
    """A clock's offset from true time in the fallback text: ``in time``, ``45 s slow``, ``10 min fast`` (the
    collector writes it in the reader's language with the one unit formatter, ``itops.common.units``)."""
    if drift_s == 0:
        return "in time"
    magnitude = abs(drift_s)
    amount = f"{magnitude / 60:.0f} min" if magnitude >= 120 else f"{magnitude:.0f} s"
    return f"{amount} {'fast' if drift_s > 0 else 'slow'}"


# Named formats a template may give an argument (``{drift_s:offset}``) besides Python's own; the collector's
# catalogue has the same names in every language.
ENGLISH_FORMATS: dict[str, Callable[[object], str]] = {"offset": lambda drift_s: clock_offset(float(drift_s))}


class _EnglishFormatter(string.Formatter):
    def format_field(self, value: object, format_spec: str) -> str:
        named = ENGLISH_FORMATS.get(format_spec)
        return named(value) if named is not None else super().format_field(value, format_spec)


_ENGLISH = _EnglishFormatter()


class CheckStatus(enum.IntEnum):
    OK = ingest_pb2.CHECK_STATUS_OK
    WARNING = ingest_pb2.CHECK_STATUS_WARNING
    CRITICAL = ingest_pb2.CHECK_STATUS_CRITICAL
    UNKNOWN = ingest_pb2.CHECK_STATUS_UNKNOWN


# UNKNOWN (could not tell) is worse than OK and better than any finding that something is wrong.
_BADNESS = (CheckStatus.OK, CheckStatus.UNKNOWN, CheckStatus.WARNING, CheckStatus.CRITICAL)


def worst_status(statuses: Iterable[CheckStatus]) -> CheckStatus:
    """The worst of ``statuses``; OK when there are none."""
    return max(statuses, key=_BADNESS.index, default=CheckStatus.OK)


@dataclass(frozen=True, slots=True)
class MessagePart:
    """One finding as said: its key, its arguments as text, its English text."""

    key: str
    args: dict[str, str]
    text: str


class CheckMessage:
    """A message an input can say: ``CheckMessage("tcp_connect.refused", "connection refused: …")``, then
    ``REFUSED(port=443)`` gives the part. ``english`` is a ``str.format`` template of the arguments.
    ``declared_in``: the register it joins (a test passes its own)."""

    def __init__(self, key: str, english: str, declared_in: dict[str, CheckMessage] = CHECK_MESSAGES):
        if key in declared_in:
            raise ValueError(f"check message {key!r} is declared twice")
        self.key, self.english = key, english
        declared_in[key] = self

    def __call__(self, **args: object) -> MessagePart:
        return MessagePart(self.key, {name: _argument_text(value) for name, value in args.items()},
                           _ENGLISH.format(self.english, **args))


def _argument_text(value: object) -> str:
    """Numbers as decimal text the collector parses back (repr keeps every digit of a float)."""
    return repr(value) if isinstance(value, float) else str(value)


def report_check(acc: Accumulator, check: str, target: str, status: CheckStatus,
                 message: MessagePart | Sequence[MessagePart], duration_s: float = 0.0,
                 labels: dict[str, str] | None = None) -> None:
    parts = [message] if isinstance(message, MessagePart) else list(message)
    if not all(isinstance(part, MessagePart) for part in parts):
        raise TypeError(f"check {check}: a message is said in CheckMessage parts (agent/checks.py), got {message!r}")
    result = ingest_pb2.CheckResult(check=check, target=target, status=int(status),
                                    message=MESSAGE_SEPARATOR.join(part.text for part in parts),
                                    duration_seconds=duration_s)
    for part in parts:
        result.message_parts.add(key=part.key, args=part.args)
    for name, value in (labels or {}).items():
        result.labels.add(name=name, value=value)
    acc.add_check(result)
    series_labels = {**(labels or {}), "check": check, "target": target}
    for candidate in CheckStatus:
        acc.add_sample("itops_check_status", float(candidate is status), {**series_labels, "status": candidate.name.lower()})
    acc.add_sample("itops_check_duration_seconds", duration_s, series_labels)
