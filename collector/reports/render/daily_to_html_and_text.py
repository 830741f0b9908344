"""The daily inspection report (巡检日报) rendered: a self-contained HTML page (readable on a phone) and plain
text (for chat and e-mail bodies), in zh-CN or en."""

from __future__ import annotations

import html
from typing import Any

from itops.alerting.incidents.sla import ClockStatus, SlaStatus
from itops.collector.reports.figures.daily_inspection import STATUS_ORDER, Attention, DailyInspection, OpenIncident
from itops.collector.reports.texts import MISSING, format_duration, format_local_time, severity_name, state_name
from itops.common.units import Language, format_number
from itops.entities import LISTED_KINDS

__all__ = ["render_daily_html", "render_daily_text"]


_WORDS: dict[str, tuple[str, str]] = {  # key: (zh-CN, en)
    "title": ("IT 巡检日报", "Daily IT inspection"),
    "generated_at": ("生成时间", "Generated"),
    "interim": ("临时报告：截至 {time}。以每晚 {evening} 生成的日报为准。",
                "Interim report as of {time}; the report made at {evening} is the record of the day."),
    "summary": ("概况", "Summary"),
    "entities": ("主机与设备", "Hosts and devices"),
    "incidents": ("未结故障", "Open incidents"),
    "attention": ("明日需关注", "Needs attention tomorrow"),
    "none": ("无", "None"),
    "open_alerts": ("告警", "alerts"),
    "last_seen": ("最后上报", "last seen"),
    "response": ("响应", "response"),
    "resolution": ("解决", "resolution"),
    "left": ("剩余", "left"),
    "over": ("已超时", "over by"),
    "paused": ("已暂停", "paused"),
    "no_sla": ("无 SLA", "no SLA"),
    "assignee": ("处理人", "assignee"),
    "unassigned": ("未分派", "unassigned"),
    "days_left": ("约 {days} 天后耗尽", "runs out in about {days} days"),
    "disk_days_left": ("约 {days} 天后写满", "full in about {days} days"),
    "cert_days_left": ("{days} 天后过期", "expires in {days} days"),
    "toner": ("耗材将尽", "Supply running out"),
    "disk": ("磁盘将满", "Disk filling up"),
    "certificate": ("证书即将过期", "Certificate expiring"),
    "ups_battery": ("UPS 电池需更换", "Replace UPS battery"),
    "backup": ("备份过期或缺失", "Backup stale or missing"),
}
_KINDS = {"host": ("主机", "Hosts"), "printer": ("打印机", "Printers"), "ups": ("UPS", "UPS"),
          "switch": ("交换机", "Switches"), "environment": ("机房环境", "Room sensors"),
          "attendance_clock": ("考勤机", "Attendance clocks"), "backup": ("备份", "Backups"),
          "device": ("其他设备", "Other devices")}
_STATUSES = {"ok": ("正常", "OK"), "warning": ("警告", "Warning"), "critical": ("严重", "Critical"),
             "offline": ("离线", "Offline"), "unknown": ("未知", "Unknown")}
_COLOURS = {"ok": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828", "offline": "#616161", "unknown": "#616161"}


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[0] if language == "zh-CN" else pair[1]


def _word(key: str, language: Language) -> str:
    return _pick(_WORDS[key], language)


def _reading(metric: Any, language: Language) -> str:
    """A key reading as the entity directory names and writes it (its metric catalogue)."""
    return f"{metric.label(language)} {metric.text(language)}" + (f" ({metric.target})" if metric.target else "")


def _entity_line(entity: Any, report: DailyInspection, language: Language) -> str:
    parts = [_reading(m, language) for m in entity.metrics]
    if entity.open_alerts:
        parts.append(f"{_word('open_alerts', language)} {entity.open_alerts}")
    if entity.status != "ok":
        problem = next((c for c in entity.checks if c.status not in ("OK", "ok")), None)
        if said := _check_message(problem, language):
            parts.append(said)
        parts.append(f"{_word('last_seen', language)} {format_local_time(entity.last_seen, report.time_zone)}")
    return "; ".join(parts)


def _check_message(check: Any, language: Language) -> str:
    """A check's message in the reader's language (the agent's text when it has no parts); "" for no check."""
    return check.message_in(language) if check is not None else ""


def _clock_text(name: str, clock: ClockStatus, language: Language) -> str:
    label = _word(name, language)
    if clock.state == "paused":
        return f"{label} {_word('paused', language)}"
    if clock.breached:
        return f"{label} {_word('over', language)} {format_duration(-clock.remaining_s, language)}"
    return f"{label} {_word('left', language)} {format_duration(clock.remaining_s, language)}"


def _sla_text(sla: SlaStatus | None, language: Language) -> str:
    """The clock that still matters: the response clock until acknowledged, then the resolution clock."""
    if sla is None:
        return _word("no_sla", language)
    if sla.response.stopped_at is None:
        return _clock_text("response", sla.response, language)
    return _clock_text("resolution", sla.resolution, language)


def _incident_line(item: OpenIncident, report: DailyInspection, language: Language) -> str:
    incident = item.incident
    assignee = incident.assignee or _word("unassigned", language)
    return (f"{incident.id} [{severity_name(incident.severity, language)}] {incident.title} — "
            f"{state_name(incident.state, language)}, {_word('assignee', language)} {assignee}, "
            f"{format_local_time(incident.opened_at, report.time_zone)}; {_sla_text(item.sla, language)}")


def _attention_line(item: Attention, language: Language) -> str:
    head = f"{_word(item.kind, language)}: {item.entity} {item.item}".rstrip()
    if item.days_left is not None:
        key = {"toner": "days_left", "disk": "disk_days_left", "certificate": "cert_days_left"}[item.kind]
        head += " — " + _word(key, language).format(days=format_number(item.days_left, 1))
    detail = _check_message(item.check, language)
    return head + (f" — {detail}" if detail else "")


def _title(report: DailyInspection, language: Language) -> str:
    return f"{_word('title', language)} {report.day.isoformat()}"


def _generated_line(report: DailyInspection, language: Language) -> str:
    return (f"{_word('generated_at', language)}: {format_local_time(report.generated_at, report.time_zone)} "
            f"({report.time_zone})")


def _interim_note(report: DailyInspection, language: Language) -> list[str]:
    """The warning that an on-demand report made before the evening run is not the day's record."""
    if not report.interim:
        return []
    return [_word("interim", language).format(time=format_local_time(report.generated_at, report.time_zone),
                                              evening=format_local_time(report.evening_at, report.time_zone))]


def _summary(report: DailyInspection, language: Language) -> str:
    counts = report.status_counts()
    return " · ".join(f"{_pick(_STATUSES[s], language)} {counts[s]}" for s in STATUS_ORDER)


def _groups(report: DailyInspection) -> list[tuple[str, list[Any]]]:
    return [(kind, [e for e in report.entities if e.kind == kind]) for kind in LISTED_KINDS
            if any(e.kind == kind for e in report.entities)]


def render_daily_text(report: DailyInspection, language: Language) -> str:
    """Plain text for chat and e-mail bodies."""
    lines = [_title(report, language), *_interim_note(report, language), _generated_line(report, language), "",
             f"{_word('summary', language)}: {_summary(report, language)}", ""]
    lines.append(f"== {_word('attention', language)} ==")
    lines += [f"- {_attention_line(a, language)}" for a in report.attention] or [_word("none", language)]
    lines += ["", f"== {_word('incidents', language)} =="]
    lines += [f"- {_incident_line(i, report, language)}" for i in report.incidents] or [_word("none", language)]
    lines += ["", f"== {_word('entities', language)} =="]
    for kind, members in _groups(report):
        lines.append(f"[{_pick(_KINDS[kind], language)}]")
        lines += [f"- {_pick(_STATUSES[e.status], language)} {e.name}: {_entity_line(e, report, language)}"
                  for e in members]
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;margin:0;
padding:12px;color:#212121;background:#fafafa;font-size:15px;line-height:1.45}h1{font-size:20px;margin:0 0 4px}
h2{font-size:17px;margin:18px 0 6px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:12px 0 4px;color:#555}
ul{list-style:none;padding:0;margin:0}li{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:8px;
margin:6px 0;word-break:break-word}.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;
margin-right:6px;font-size:13px}.muted{color:#757575;font-size:13px}.detail{display:block;font-size:13px;color:#424242}
.interim{background:#fff3e0;border:1px solid #ef6c00;border-radius:6px;padding:8px;margin:6px 0}"""


def _badge(status: str, language: Language) -> str:
    return f'<span class="badge" style="background:{_COLOURS[status]}">{html.escape(_pick(_STATUSES[status], language))}</span>'


def _html_list(items: list[str], language: Language) -> str:
    if not items:
        return f'<p class="muted">{html.escape(_word("none", language))}</p>'
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def render_daily_html(report: DailyInspection, language: Language) -> str:
    """One self-contained page (no external files), readable on a phone."""
    esc = html.escape
    parts = [f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width, initial-scale=1">'
             f"<title>{esc(_title(report, language))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{esc(_title(report, language))}</h1>",
             *(f'<p class="interim">{esc(note)}</p>' for note in _interim_note(report, language)),
             f'<p class="muted">{esc(_generated_line(report, language))}</p>',
             f"<p><b>{esc(_word('summary', language))}</b>: {esc(_summary(report, language))}</p>",
             f"<h2>{esc(_word('attention', language))}</h2>",
             _html_list([esc(_attention_line(a, language)) for a in report.attention], language),
             f"<h2>{esc(_word('incidents', language))}</h2>",
             _html_list([esc(_incident_line(i, report, language)) for i in report.incidents], language),
             f"<h2>{esc(_word('entities', language))}</h2>"]
    for kind, members in _groups(report):
        parts.append(f"<h3>{esc(_pick(_KINDS[kind], language))}</h3>")
        parts.append(_html_list([f"{_badge(e.status, language)}<b>{esc(e.name)}</b>"
                                 f'<span class="detail">{esc(_entity_line(e, report, language)) or MISSING}</span>'
                                 for e in members], language))
    parts.append("</body></html>")
    return "\n".join(parts)
