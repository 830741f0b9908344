"""The monthly report's words in zh-CN and en: labels, the definitions it states, and how figures are shown.

Shared by every renderer (HTML, CSV, PDF), so a figure is named and defined the same way in each. The
definitions are the ones the SLA policy implements (``itops.alerting.incidents.sla``); change both together.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from itops.alerting.incidents.model import Category, IncidentState
from itops.alerting.dispatch.messages import DEFAULT_SEVERITY_STYLES, Language
from itops.alerting.rules.model import Severity

__all__ = [
    "LANGUAGES",
    "MISSING",
    "category_name",
    "definitions",
    "format_duration",
    "format_local_time",
    "format_percent",
    "format_signed",
    "label",
    "severity_name",
    "state_name",
]

LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
MISSING = "—"  # a figure with nothing to count, e.g. the MTTR of a month without resolved incidents

_LABELS: dict[str, tuple[str, str]] = {  # key: (zh-CN, en)
    "title": ("IT 运维月度 SLA 报告", "Monthly IT operations SLA report"),
    "period": ("统计周期", "Period"),
    "generated_at": ("生成时间", "Generated"),
    "time_zone": ("时区", "Time zone"),
    "headlines": ("关键指标", "Headline figures"),
    "figure": ("指标", "Figure"),
    "unit": ("单位", "Unit"),
    "value": ("值", "Value"),
    "within_this_month": ("本月达标率", "Within SLA, this month"),
    "within_previous_month": ("上月达标率", "Within SLA, previous month"),
    "suffix_seconds": ("（秒）", " (s)"),
    "suffix_ratio": ("（0–1）", " (0–1)"),
    "period_start": ("开始", "Start"),
    "period_end": ("结束（不含）", "End (exclusive)"),
    "this_month": ("本月", "This month"),
    "previous_month": ("上月", "Previous month"),
    "change": ("环比变化", "Change"),
    "section": ("分区", "Section"),
    "incidents_by_severity": ("按级别统计故障", "Incidents by severity"),
    "incidents_by_category": ("按领域统计故障", "Incidents by category"),
    "severity": ("级别", "Severity"),
    "category": ("领域", "Category"),
    "count": ("数量", "Count"),
    "all": ("合计", "All"),
    "timings": ("响应与解决时长（MTTA / MTTR）", "Response and resolution times (MTTA / MTTR)"),
    "timings_note": ("MTTA 统计月末前已响应的本月故障，MTTR 统计月末前已最终解决的本月故障。",
                     "MTTA is over this month's incidents acknowledged by month end; MTTR over those finally "
                     "resolved by month end."),
    "acknowledged_count": ("已响应数", "Acknowledged"),
    "resolved_count": ("已解决数", "Resolved"),
    "mtta_sla_mean": ("MTTA 平均（SLA 时间）", "MTTA mean (SLA time)"),
    "mtta_sla_median": ("MTTA 中位数（SLA 时间）", "MTTA median (SLA time)"),
    "mtta_wall_mean": ("MTTA 平均（自然时间）", "MTTA mean (wall clock)"),
    "mtta_wall_median": ("MTTA 中位数（自然时间）", "MTTA median (wall clock)"),
    "mttr_sla_mean": ("MTTR 平均（SLA 时间）", "MTTR mean (SLA time)"),
    "mttr_sla_median": ("MTTR 中位数（SLA 时间）", "MTTR median (SLA time)"),
    "mttr_wall_mean": ("MTTR 平均（自然时间）", "MTTR mean (wall clock)"),
    "mttr_wall_median": ("MTTR 中位数（自然时间）", "MTTR median (wall clock)"),
    "compliance": ("SLA 达成率", "SLA compliance"),
    "response_within": ("响应达标率", "Acknowledged within SLA"),
    "resolution_within": ("解决达标率", "Resolved within SLA"),
    "met": ("达标", "Met"),
    "breached": ("超时", "Breached"),
    "pending": ("待定（未结且未超时）", "Pending (open, not yet over)"),
    "breaches": ("SLA 超时清单", "SLA breaches"),
    "incident": ("故障单号", "Incident"),
    "incident_title": ("标题", "Title"),
    "opened_at": ("发生时间", "Opened"),
    "clock": ("时限", "Clock"),
    "response": ("响应", "Response"),
    "resolution": ("解决", "Resolution"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "over_by": ("超出", "Over by"),
    "reason": ("超时原因", "Reason"),
    "still_open": ("月末未解决", "Open at month end"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "open_at_month_end": ("月末未结故障（本月发生）", "Incidents open at month end (opened this month)"),
    "state": ("月末状态", "State at month end"),
    "assignee": ("处理人", "Assignee"),
    "sla_at_month_end": ("月末 SLA 状态", "SLA at month end"),
    "already_breached": ("已超时", "already breached"),
    "not_yet_breached": ("未超时", "not yet breached"),
    "resolution_remaining": ("解决剩余时间", "Resolution time left"),
    "availability": ("可用性", "Availability"),
    "availability_host": ("主机可用性", "Host availability"),
    "availability_device": ("设备可用性", "Device availability"),
    "availability_service": ("服务可用性", "Service availability"),
    "availability_overall": ("总体平均可用性", "Overall mean availability"),
    "availability_worst": ("最差的 {count} 项（完整列表见 CSV）", "Worst {count} (full list in the CSV)"),
    "breaches_shown": ("共 {total} 条，此处列出最严重的 {count} 条（按级别、超出时长排列；完整列表见 CSV）",
                       "The {count} most serious of {total} (by severity, then time over target; full list in the CSV)"),
    "kind": ("类型", "Kind"),
    "host": ("主机", "Host"),
    "printer": ("打印机", "Printer"),
    "ups": ("UPS", "UPS"),
    "switch": ("交换机", "Switch"),
    "environment": ("机房环境", "Environment"),
    "device": ("设备", "Device"),
    "service": ("服务", "Service"),
    "attendance_clock": ("考勤机", "Attendance clock"),
    "backup": ("备份", "Backup"),
    "name": ("名称", "Name"),
    "asset_number": ("资产编号", "Asset number"),
    "mean_availability": ("平均可用性", "Mean availability"),
    "mean_completeness": ("平均数据完整度", "Mean completeness"),
    "planned_downtime": ("计划停机", "Planned downtime"),
    "unplanned_downtime": ("非计划停机", "Unplanned downtime"),
    "maintenance_time": ("维护窗口时长", "Maintenance time"),
    "period_length": ("统计时长", "Period"),
    "completeness": ("数据完整度", "Completeness"),
    "previous_availability": ("上月可用性", "Previous month"),
    "noisy": ("告警最多的设备（前 10）", "Noisiest devices (top 10)"),
    "alerts": ("告警次数", "Alerts"),
    "consumables": ("耗材更换", "Consumables replaced"),
    "supply": ("耗材", "Supply"),
    "replaced_at": ("更换时间", "Replaced"),
    "level_before": ("更换前余量 %", "Level before %"),
    "level_after": ("更换后余量 %", "Level after %"),
    "none": ("无", "None"),
    "definitions": ("口径说明", "Definitions"),
    "incidents_total": ("故障总数", "Incidents"),
    "incidents_p1": ("P1 故障数", "P1 incidents"),
    "breached_incidents": ("超时故障数", "Incidents with a breach"),
    "open_count": ("月末未结故障数", "Open at month end"),
}

_DEFINITIONS: tuple[tuple[str, str, str, str], ...] = (  # (term zh-CN, term en, definition zh-CN, en)
    ("响应时间", "Response time",
     "从故障发生（开单）到首次响应，按该级别的 SLA 日历计时，扣除覆盖该故障的维护窗口时间。",
     "From opening to the first acknowledgement, counted on the severity's SLA calendar, minus time inside "
     "maintenance windows covering the incident."),
    ("解决时间", "Resolution time",
     "从发生到最终解决之间处于未解决状态的时间（重新打开前的已解决间隔不计），按该级别的 SLA 日历计时，扣除等待"
     "厂商（暂停）时间和维护窗口时间。",
     "Time spent not resolved between opening and the final resolution (a reopened incident's resolved gap "
     "does not count), on the severity's SLA calendar, minus time waiting for a vendor (paused) and "
     "maintenance time."),
    ("SLA 达标", "Within SLA", "时长不超过故障当前级别的目标时长。",
     "The time is at most the target of the incident's current severity."),
    ("维护窗口覆盖", "Maintenance cover",
     "维护窗口覆盖该故障涉及的每一项资产时才算覆盖该故障；未登记资产的故障不被任何窗口覆盖。",
     "A maintenance window covers an incident when it covers every affected asset; an incident with no "
     "assets is never covered."),
    ("达标率", "% within SLA",
     "本月发生、且月末结果已确定（已达标，或已超时——无论是否已解决）的故障中达标的比例；月末仍未结且未超时的"
     "故障单列为“待定”。",
     "The share within target among this month's incidents whose outcome is known at month end (met, or "
     "already breached, resolved or not); open incidents not yet over their target are counted separately "
     "as pending."),
    ("MTTA / MTTR", "MTTA / MTTR",
     "本月发生且月末前已响应 / 已最终解决的故障的平均值与中位数；“SLA 时间”按上述口径计算，“自然时间”为不扣除"
     "任何时间的实际时长（重新打开前的已解决间隔除外）。",
     "Mean and median over this month's incidents acknowledged / finally resolved by month end; “SLA time” "
     "as defined above, “wall clock” the plain elapsed time with nothing taken out (except a reopened "
     "incident's resolved gap)."),
    ("可用性", "Availability",
     "1 − 非计划停机时间 ÷（统计时长 − 计划维护时间）。停机时间为可用性告警处于触发状态的时间，落在覆盖该对象的"
     "维护窗口内的为计划停机。",
     "1 − unplanned downtime ÷ (period − planned maintenance). Downtime is the time its availability alerts "
     "were firing; downtime inside maintenance windows covering it is planned."),
    ("数据完整度", "Completeness", "统计周期中有监控数据的时间占比。", "The share of the period with data."),
)

_STATE_NAMES: dict[IncidentState, tuple[str, str]] = {
    IncidentState.OPEN: ("待响应", "open"),
    IncidentState.ACKNOWLEDGED: ("已响应", "acknowledged"),
    IncidentState.IN_PROGRESS: ("处理中", "in progress"),
    IncidentState.WAITING_FOR_VENDOR: ("等待厂商", "waiting for vendor"),
    IncidentState.RESOLVED: ("已解决", "resolved"),
    IncidentState.CLOSED: ("已关闭", "closed"),
}


def label(key: str, language: Language) -> str:
    zh, en = _LABELS[key]
    return zh if language == "zh-CN" else en


def definitions(language: Language) -> list[tuple[str, str]]:
    """``(term, definition)`` for every definition the report states, in the order it states them."""
    chinese = language == "zh-CN"
    return [(term_zh, zh) if chinese else (term_en, en) for term_zh, term_en, zh, en in _DEFINITIONS]


def severity_name(severity: Severity | None, language: Language) -> str:
    """``P1 Ⅰ级 紧急`` / ``P1 Critical``; None (all severities together) is the word for all."""
    if severity is None:
        return label("all", language)
    return f"{severity.value} {DEFAULT_SEVERITY_STYLES[severity].name(language)}"


def category_name(category: Category, language: Language) -> str:
    return category.name_zh if language == "zh-CN" else category.name_en


def state_name(state: IncidentState, language: Language) -> str:
    zh, en = _STATE_NAMES[state]
    return zh if language == "zh-CN" else en


def format_duration(seconds: float | None, language: Language) -> str:
    """Hours, minutes and seconds, never days: business days are not 24 h long, so ``1d`` would mislead.

    To the nearest second, as exact as the CSV's seconds: ``12m 40s`` (12分40秒), ``1h 05m`` (1小时05分),
    ``40s`` (40秒); seconds are left out when there are none. Negative values (time over a target) keep
    their sign.
    """
    if seconds is None:
        return MISSING
    minutes, rest_s = divmod(round(abs(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    sign = "-" if seconds < 0 and (hours or minutes or rest_s) else ""
    return sign + (_duration_zh if language == "zh-CN" else _duration_en)(hours, minutes, rest_s)


def _duration_en(hours: int, minutes: int, seconds: int) -> str:
    if hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m"
    else:
        return f"{seconds}s"
    return f"{text} {seconds:02d}s" if seconds else text


def _duration_zh(hours: int, minutes: int, seconds: int) -> str:
    if hours:
        text = f"{hours}小时{minutes:02d}分"
    elif minutes:
        text = f"{minutes}分" if seconds else f"{minutes}分钟"
    else:
        return f"{seconds}秒"
    return f"{text}{seconds:02d}秒" if seconds else text


def format_percent(ratio: float | None, digits: int = 1) -> str:
    return MISSING if ratio is None else f"{ratio * 100:.{digits}f}%"


def format_signed(value: float | None, unit: str, language: Language) -> str:
    """A month-on-month change: ``+3``, ``-1.5 pp``, ``+12m 40s``; unit is count, ratio or seconds."""
    if value is None:
        return MISSING
    sign = "+" if value > 0 else ""
    if unit == "ratio":
        return f"{sign}{value * 100:.2f} {'个百分点' if language == 'zh-CN' else 'pp'}"
    if unit == "seconds":
        return ("+" if value > 0 else "") + format_duration(value, language)
    return f"{sign}{value:g}"


def format_local_time(moment: datetime | None, time_zone: str) -> str:
    """``2026-10-31 23:00`` in the report's zone."""
    return MISSING if moment is None else moment.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")
