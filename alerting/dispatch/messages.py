"""Human-readable alert messages in zh-CN and en: one ``Message`` per notification, drawn as plain text,
HTML or a robot's Markdown dialect.

A message holds the words only once (title, one section per alert, each a list of fields); the
renderers differ in markup alone. Times are shown in the configured zone, never in UTC.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import msgspec

from itops.alerting.rules.model import Alert, AlertState, Severity
from itops.common.units import Language, format_duration, format_number

__all__ = [
    "COLOUR_HEX",
    "DEFAULT_SEVERITY_STYLES",
    "Colour",
    "Field",
    "Language",
    "Message",
    "MessageSettings",
    "Section",
    "SeverityStyle",
    "alert_text",
    "alert_url",
    "console_url",
    "local_time_text",
    "render_message",
    "runbook_link",
    "truncate_utf8",
]

Colour = Literal["red", "orange", "yellow", "green", "blue", "grey"]

COLOUR_HEX: dict[str, str] = {
    "red": "#D32F2F", "orange": "#F57C00", "yellow": "#F9A825", "green": "#2E7D32", "blue": "#1565C0", "grey": "#757575",
}
RESOLVED_COLOUR: Colour = "green"


class SeverityStyle(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """How one severity is named and coloured in messages."""

    name_zh: Annotated[str, msgspec.Meta(description="Display name in Chinese messages, e.g. `Ⅰ级 紧急`.")]
    name_en: Annotated[str, msgspec.Meta(description="Display name in English messages, e.g. `Critical`.")]
    colour: Annotated[Colour, msgspec.Meta(description="Colour of the title: red, orange, yellow, green, blue or grey.")]

    def name(self, language: Language) -> str:
        return self.name_zh if language == "zh-CN" else self.name_en


DEFAULT_SEVERITY_STYLES: dict[Severity, SeverityStyle] = {
    Severity.P1: SeverityStyle(name_zh="Ⅰ级 紧急", name_en="Critical", colour="red"),
    Severity.P2: SeverityStyle(name_zh="Ⅱ级 重要", name_en="Major", colour="orange"),
    Severity.P3: SeverityStyle(name_zh="Ⅲ级 一般", name_en="Minor", colour="yellow"),
    Severity.P4: SeverityStyle(name_zh="Ⅳ级 轻微", name_en="Low", colour="grey"),
}

_WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "summary": "摘要", "description": "详情", "since": "开始于", "resolved_at": "恢复于", "lasted": "持续",
        "value": "当前值", "labels": "标签", "runbook": "处置手册", "details": "告警详情", "resolved": "已恢复",
        "firing": "告警中", "group": "{name} 等 {count} 条告警", "flapping": "状态抖动中",
    },
    "en": {
        "summary": "Summary", "description": "Description", "since": "Since", "resolved_at": "Resolved at",
        "lasted": "Lasted", "value": "Value", "labels": "Labels", "runbook": "Runbook", "details": "Details",
        "resolved": "RESOLVED", "firing": "FIRING", "group": "{count} alerts: {name}", "flapping": "flapping",
    },
}
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class MessageSettings:
    """What the words depend on besides the alerts."""

    language: Language = "zh-CN"
    time_zone: str = "Asia/Shanghai"
    external_url: str = ""
    severity_styles: Mapping[Severity, SeverityStyle] = field(default_factory=lambda: DEFAULT_SEVERITY_STYLES)


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    link: str | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    colour: Colour
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Message:
    title: str
    colour: Colour
    sections: tuple[Section, ...]

    def as_text(self) -> str:
        blocks = [self.title]
        for section in self.sections:
            lines = [section.heading] + [f"{f.name}: {f.link or f.value}" for f in section.fields]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def as_markdown(self, paint: Callable[[str, Colour], str], title: bool = True) -> str:
        """Markdown for robots; ``paint(text, colour)`` is the robot's way of colouring text."""
        blocks = [f"### {paint(self.title, self.colour)}"] if title else []
        for section in self.sections:
            lines = [f"**{paint(section.heading, section.colour)}**"]
            lines += [f"> **{f.name}**: [{f.value}]({f.link})" if f.link else f"> **{f.name}**: {f.value}" for f in section.fields]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def as_html(self) -> str:
        parts = [f'<h2 style="color:{COLOUR_HEX[self.colour]}">{html.escape(self.title)}</h2>']
        for section in self.sections:
            parts.append(f'<h3 style="color:{COLOUR_HEX[section.colour]}">{html.escape(section.heading)}</h3><table>')
            for f in section.fields:
                value = f'<a href="{html.escape(f.link)}">{html.escape(f.value)}</a>' if f.link else html.escape(f.value)
                parts.append(f"<tr><th align=\"left\">{html.escape(f.name)}</th><td>{value}</td></tr>")
            parts.append("</table>")
        return '<html><body style="font-family:sans-serif">' + "".join(parts) + "</body></html>"


def render_message(alerts: list[Alert], resolved: bool, settings: MessageSettings) -> Message:
    """One message for a group of alerts; ``resolved`` says whether the group as a whole is resolved."""
    words = _WORDS[settings.language]
    worst = min(alerts, key=lambda alert: list(Severity).index(alert.severity))
    style = settings.severity_styles[worst.severity]
    subject = alert_text(worst, "summary", settings.language) or worst.labels.get("alertname", worst.rule)
    if len(alerts) > 1:
        subject = words["group"].format(name=worst.labels.get("alertname", worst.rule), count=len(alerts))
    title = f"[{worst.severity.value} {style.name(settings.language)}] {subject}"
    if resolved:
        title = f"[{words['resolved']}] {title}"
    sections = tuple(_section(alert, settings) for alert in alerts)
    return Message(title=title, colour=RESOLVED_COLOUR if resolved else style.colour, sections=sections)


def alert_text(alert: Alert, key: str, language: Language) -> str:
    """An annotation in the message language (``summary_zh`` for zh-CN), else in the other one."""
    localized, plain = alert.annotations.get(f"{key}_zh", ""), alert.annotations.get(key, "")
    return (localized or plain) if language == "zh-CN" else (plain or localized)


def truncate_utf8(text: str, limit_bytes: int, marker: str = "\n…") -> str:
    """Cut ``text`` to at most ``limit_bytes`` of UTF-8 without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit_bytes:
        return text
    room = limit_bytes - len(marker.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + marker


def _section(alert: Alert, settings: MessageSettings) -> Section:
    words, zone = _WORDS[settings.language], ZoneInfo(settings.time_zone)
    style = settings.severity_styles[alert.severity]
    resolved = alert.state == AlertState.RESOLVED
    status = words["resolved"] if resolved else words["firing"]
    heading = f"{status} · {alert.severity.value} {style.name(settings.language)} · {alert.labels.get('alertname', alert.rule)}"
    if alert.flapping:
        heading += f" ({words['flapping']})"
    fields = [Field(words["summary"], alert_text(alert, "summary", settings.language)),
              Field(words["description"], alert_text(alert, "description", settings.language))]
    since = alert.firing_since or alert.pending_since
    if since is not None:
        fields.append(Field(words["since"], local_time_text(since, zone)))
    if resolved and alert.resolved_at is not None:
        fields.append(Field(words["resolved_at"], local_time_text(alert.resolved_at, zone)))
        if since is not None:
            fields.append(Field(words["lasted"], format_duration((alert.resolved_at - since).total_seconds(), settings.language)))
    if alert.value is not None:
        fields.append(Field(words["value"], alert.value_texts.get(settings.language) or format_number(alert.value, 4)))
    fields.append(Field(words["labels"], ", ".join(f"{name}={alert.labels[name]}" for name in sorted(alert.labels))))
    runbook = runbook_link(alert, settings.external_url, settings.language)
    if runbook:
        fields.append(Field(words["runbook"], alert.annotations.get("runbook_url") or alert.annotations["runbook"],
                            link=runbook))
    if settings.external_url:
        url = alert_url(settings.external_url, alert)
        fields.append(Field(words["details"], url, link=url))
    return Section(heading=heading, colour=RESOLVED_COLOUR if resolved else style.colour,
                   fields=tuple(f for f in fields if f.value))


def console_url(external_url: str, page: str) -> str:
    """The console's ``page`` (``alerts/<fingerprint>``, ``runbooks/<name>``, ``incidents/<id>``) under
    ``external_url``, the collector's address as the people notified reach it."""
    return f"{external_url.rstrip('/')}/console/#/{page}"


def alert_url(external_url: str, alert: Alert) -> str:
    """Where the console shows this alert."""
    return console_url(external_url, f"alerts/{alert.fingerprint}")


def runbook_link(alert: Alert, external_url: str, language: Language) -> str | None:
    """Where to read the alert's runbook: the rule's own ``runbook_url``, else the console's page of the runbook
    its ``runbook`` annotation names, in ``language`` (none without ``external_url``)."""
    if alert.annotations.get("runbook_url"):
        return alert.annotations["runbook_url"]
    name = alert.annotations.get("runbook")
    if not name or not external_url:
        return None
    return console_url(external_url, f"runbooks/{urllib.parse.quote(name, safe='')}?language={language}")


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """A time as notifications show it: local, to the second, with its offset (``2026-03-02 09:10:00 (UTC+08:00)``);
    a zone abbreviation would be ambiguous (CST is China's and America's)."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local.strftime(_TIME_FORMAT)} (UTC{offset[:3]}:{offset[3:]})"
