"""Muting: silences, maintenance windows and dependencies each answer one question — does this alert stay
quiet, and why — and ``MuteStage`` asks them all. A muted alert keeps its reasons in ``alert.muted_by`` (the
console shows them) but is not notified.

``Matcher`` is the label test shared by muters and routes, written the Alertmanager way:
``name="value"``, ``name!="value"``, ``name=~"regex"``, ``name!~"regex"`` (regexes match the whole value;
a missing label counts as the empty string).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from itops.alerting.rules.model import Alert, MuteReason

__all__ = ["Matcher", "MatcherError", "MuteStage", "Muter", "matches_all", "parse_matchers"]

_MATCHER_RE = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$')


class MatcherError(ValueError):
    """A matcher that cannot be read; the message shows the accepted forms."""


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str
    operator: str  # one of = != =~ !~
    value: str
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        match = _MATCHER_RE.match(text)
        if not match:
            raise MatcherError(
                f'cannot read matcher {text!r}; write label="value", label!="value", label=~"regex" or label!~"regex"'
            )
        name, operator = match.group(1), match.group(2)
        value = match.group(3) if match.group(3) is not None else match.group(4)
        value = value.replace('\\"', '"')
        if "~" not in operator:
            return cls(name, operator, value)
        try:
            return cls(name, operator, value, re.compile(value))
        except re.error as exc:
            raise MatcherError(f"matcher {text!r}: not a valid regular expression: {exc}") from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.pattern is not None:
            return (self.pattern.fullmatch(actual) is not None) == (self.operator == "=~")
        return (actual == self.value) == (self.operator == "=")

    def __str__(self) -> str:
        escaped = self.value.replace('"', '\\"')
        return f'{self.name}{self.operator}"{escaped}"'


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    return tuple(Matcher.parse(text) for text in texts)


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


class Muter(Protocol):
    def mutes(self, alert: Alert, now: datetime) -> MuteReason | None:
        """Why ``alert`` stays quiet at ``now``, or None if it does not."""


class MuteStage:
    """Asks every muter about every alert; all reasons are kept, not just the first."""

    def __init__(self, muters: Sequence[Muter]):
        self._muters = tuple(muters)

    def apply(self, alerts: Iterable[Alert], now: datetime) -> list[Alert]:
        """Set ``muted_by`` on each alert; return the alerts that may be notified."""
        audible = []
        for alert in alerts:
            alert.muted_by = [reason for muter in self._muters if (reason := muter.mutes(alert, now)) is not None]
            if not alert.muted_by:
                audible.append(alert)
        return audible
