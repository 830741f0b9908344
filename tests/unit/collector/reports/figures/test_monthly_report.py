"""The monthly report's figures for October 2026, every one worked out by hand.

Calendar facts used (alerting/incidents/holidays/cn-2026.yaml, default SLA calendars): National Day holidays are
Oct 1 (Thu) – Oct 7 (Wed); Sat Oct 10 is a make-up workday (调休); business hours are 08:30–17:30 local
(9 h). Default targets: P1 10m/4h 7x24, P2 30m/8h 7x24, P3 2h/27h business hours, P4 24h 7x24 / 45h
business hours. All times below are Asia/Shanghai local; the month is [Oct 1 00:00, Nov 1 00:00).

October's incidents (response = SLA response time, resolution = SLA resolution time; "wall" = wall clock):
  A P3 hardware   Fri Oct 16 17:00, ack Mon Oct 19 08:45, resolved 12:00, closed Oct 20  (business-hour edges)
      response 30m (Fri 17:00–17:30) + 15m (Mon 08:30–08:45) = 2700 s; resolution 30m + 3h30m = 14400 s
      wall response 63h45m = 229500 s; wall resolution 67h = 241200 s
  B P3 environment Sat Oct 3 10:00 (holiday), ack 10:30, resolved Thu Oct 8 10:30
      response 0 s (a holiday); resolution Oct 8 08:30–10:30 = 7200 s; wall 1800 s / 120h30m = 433800 s
  C P3 network    Sat Oct 10 16:00 (make-up workday), ack Mon Oct 12 09:30, resolved 11:30
      response Sat 16:00–17:30 = 1h30m + Mon 08:30–09:30 = 1h → 9000 s > 7200: BREACHED by 1800 s
      resolution 1h30m + 3h = 16200 s; wall 41h30m = 149400 s / 43h30m = 156600 s
  D P2 base_software Tue Oct 13 10:00, ack 10:20, in progress 10:30, waiting for vendor 11:00 →
      in progress Wed Oct 14 09:00, resolved 12:00 (7x24)
      response 1200 s; resolution 1h (10:00–11:00) + 3h (09:00–12:00), the 22 h wait paused = 14400 s
      wall 1200 s / 26h = 93600 s
  E P1 application Tue Oct 20 02:00, ack 02:05, in progress 02:10, resolved 03:00, reopened (in progress)
      05:00, resolved 07:00: response 300 s; resolution 1h + 2h = 10800 s (the resolved gap is left out,
      in wall clock too) → wall 300 s / 10800 s
  F P1 base_software host db-01, Thu Oct 22 00:55, ack 03:02, resolved 05:00; maintenance covering db-01
      01:00–03:00: response 2h07m − 2h = 420 s; resolution 4h05m − 2h = 7500 s; wall 7620 s / 14700 s
  K P2 hardware   Mon Oct 26 09:00, ack 09:10, resolved 19:00
      response 600 s; resolution 10h = 36000 s > 28800: BREACHED by 7200 s (cause given, no breach reason)
  G P2 network    Sat Oct 31 23:00, still open at month end: response 1h > 30m → BREACHED (running) by 1800 s;
      resolution 1h of 8h → pending
  H P4 hardware   Sat Oct 31 23:00, acknowledged only on Nov 2: at month end response 1h of 24h → pending;
      resolution 0 s (Saturday, not a workday) of 45 business hours → pending
September's (the trend):
  I P3 Wed Sep 30 16:00, ack 16:20 (1200 s), still acknowledged at Sep's end (resolution 1h30m, pending);
      resolved Oct 9, which September's figures must not see
  J P1 Tue Sep 15 10:00, ack 10:30: response 1800 s > 600 → BREACHED; resolved 12:00: 7200 s, met
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from itops.alerting.incidents.model import AffectedAsset, Category, IncidentState
from itops.alerting.incidents.store import IncidentStore
from itops.alerting.incidents.sla import SlaPolicy
from itops.alerting.incidents.sla_config import SlaConfig
from itops.alerting.muting.maintenance import MaintenancePeriod
from itops.alerting.rules.model import Severity
from itops.alerting.muting.matchers import parse_matchers
from itops.collector.reports.figures.inputs import (
    AvailabilityRow,
    ConsumableReplacement,
    MonthlyInputs,
    NoisyEntity,
    report_month,
)
from itops.collector.reports.figures.monthly_report import Compliance, DurationStats, MonthlyReport, build_monthly_report

ZONE = ZoneInfo("Asia/Shanghai")
S = IncidentState
OCTOBER_S = 31 * 86400.0  # 2678400
SEPTEMBER_S = 30 * 86400.0  # 2592000


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE).astimezone(UTC)


@dataclass
class Month:
    report: MonthlyReport
    ids: dict[str, str]


class _Builder:
    def __init__(self, store: IncidentStore):
        self.store = store
        self.ids: dict[str, str] = {}

    def open(self, key: str, severity: Severity, category: Category, at: str, **extra) -> str:
        incident = self.store.open_incident(title=f"incident {key}", severity=severity, category=category,
                                            reporter="wang", at=local(at), **extra)
        self.ids[key] = incident.id
        return incident.id

    def ack(self, key: str, at: str) -> None:
        self.store.acknowledge(self.ids[key], "li", local(at))

    def move(self, key: str, state: IncidentState, at: str) -> None:
        self.store.transition(self.ids[key], state, "li", local(at))

    def resolve(self, key: str, at: str, cause: str = "cause") -> None:
        self.store.resolve(self.ids[key], "li", local(at), cause, "fixed")


def build_incidents(store: IncidentStore) -> dict[str, str]:
    b = _Builder(store)
    b.open("J", Severity.P1, Category.NETWORK, "2026-09-15 10:00")
    b.ack("J", "2026-09-15 10:30")
    b.move("J", S.IN_PROGRESS, "2026-09-15 10:40")
    b.resolve("J", "2026-09-15 12:00")
    b.open("I", Severity.P3, Category.HARDWARE, "2026-09-30 16:00")
    b.ack("I", "2026-09-30 16:20")

    b.open("B", Severity.P3, Category.ENVIRONMENT, "2026-10-03 10:00")
    b.ack("B", "2026-10-03 10:30")
    b.move("B", S.IN_PROGRESS, "2026-10-03 10:40")
    b.resolve("B", "2026-10-08 10:30")

    b.move("I", S.IN_PROGRESS, "2026-10-09 09:00")
    b.resolve("I", "2026-10-09 10:00")

    b.open("C", Severity.P3, Category.NETWORK, "2026-10-10 16:00")
    b.ack("C", "2026-10-12 09:30")
    b.move("C", S.IN_PROGRESS, "2026-10-12 09:40")
    b.resolve("C", "2026-10-12 11:30")
    store.set_breach_reason(b.ids["C"], "li", local("2026-10-12 12:00"), "first draft")
    store.set_breach_reason(b.ids["C"], "li", local("2026-10-12 12:05"), "值班人员调休未到岗")

    b.open("D", Severity.P2, Category.BASE_SOFTWARE, "2026-10-13 10:00")
    b.ack("D", "2026-10-13 10:20")
    b.move("D", S.IN_PROGRESS, "2026-10-13 10:30")
    b.move("D", S.WAITING_FOR_VENDOR, "2026-10-13 11:00")
    b.move("D", S.IN_PROGRESS, "2026-10-14 09:00")
    b.resolve("D", "2026-10-14 12:00")

    b.open("A", Severity.P3, Category.HARDWARE, "2026-10-16 17:00")
    b.ack("A", "2026-10-19 08:45")
    b.move("A", S.IN_PROGRESS, "2026-10-19 09:00")
    b.resolve("A", "2026-10-19 12:00")
    store.close(b.ids["A"], "li", local("2026-10-20 10:00"), "zhang")

    b.open("E", Severity.P1, Category.APPLICATION, "2026-10-20 02:00")
    b.ack("E", "2026-10-20 02:05")
    b.move("E", S.IN_PROGRESS, "2026-10-20 02:10")
    b.resolve("E", "2026-10-20 03:00")
    b.move("E", S.IN_PROGRESS, "2026-10-20 05:00")  # reopened
    b.resolve("E", "2026-10-20 07:00")

    b.open("F", Severity.P1, Category.BASE_SOFTWARE, "2026-10-22 00:55", assets=[AffectedAsset("db-01", "ZC-0001")])
    b.ack("F", "2026-10-22 03:02")
    b.move("F", S.IN_PROGRESS, "2026-10-22 03:10")
    b.resolve("F", "2026-10-22 05:00")

    b.open("K", Severity.P2, Category.HARDWARE, "2026-10-26 09:00")
    b.ack("K", "2026-10-26 09:10")
    b.move("K", S.IN_PROGRESS, "2026-10-26 09:15")
    b.resolve("K", "2026-10-26 19:00", cause="硬盘故障，备件延迟到货")

    b.open("G", Severity.P2, Category.NETWORK, "2026-10-31 23:00", assignee="zhao")
    b.open("H", Severity.P4, Category.HARDWARE, "2026-10-31 23:00")
    b.ack("H", "2026-11-02 09:00")
    return b.ids


def row(kind, name, unplanned_s=0.0, planned_s=0.0, maintenance_s=0.0, completeness=1.0, period_s=OCTOBER_S):
    return AvailabilityRow(kind, name, None, period_s, planned_s, unplanned_s, maintenance_s, completeness)


AVAILABILITY = [
    row("host", "web-01"),
    row("host", "db-01", unplanned_s=1800, planned_s=7200, maintenance_s=7200, completeness=0.99),
    row("device", "ups-1", maintenance_s=OCTOBER_S),  # maintained all month: no availability
    row("device", "printer-3f", unplanned_s=26784, completeness=0.95),  # 1 % of October
    row("service", "oa", unplanned_s=2678.4),  # 0.1 %
]
PREVIOUS_AVAILABILITY = [
    row("host", "db-01", period_s=SEPTEMBER_S),
    row("device", "printer-3f", unplanned_s=2592, period_s=SEPTEMBER_S),  # 0.1 % of September
]
MAINTENANCE = [
    MaintenancePeriod("db-patching", parse_matchers(['host="db-01"']), local("2026-10-22 01:00"),
                      local("2026-10-22 03:00")),
    MaintenancePeriod("other-host", parse_matchers(['host="web-01"']), local("2026-10-22 00:00"),
                      local("2026-10-22 06:00")),  # covers web-01, not F's db-01: changes nothing
]


def month_inputs(store: IncidentStore) -> MonthlyInputs:
    october = report_month("2026-10")
    september = october.previous()
    incidents = store.list(opened_between=(october.start, october.end))
    previous = store.list(opened_between=(september.start, september.end))
    return MonthlyInputs(
        month=october, previous_month=september, incidents=incidents,
        timelines=store.timelines(i.id for i in [*incidents, *previous]), previous_incidents=previous,
        sla=SlaPolicy(SlaConfig()), maintenance=MAINTENANCE, availability=AVAILABILITY,
        previous_availability=PREVIOUS_AVAILABILITY,
        noisy=[NoisyEntity("device", f"printer-{n}", n) for n in range(1, 13)],
        consumables=[ConsumableReplacement("printer-3f", "Black Toner", local("2026-10-20 10:00"), 3.0, 100.0),
                     ConsumableReplacement("printer-2f", "Cyan Toner", local("2026-10-05 10:00"), 1.0, 98.0)],
        generated_at=local("2026-11-01 08:00"),
    )


@pytest.fixture(scope="module")
def october() -> Month:
    store = IncidentStore.open("sqlite://")
    try:
        ids = build_incidents(store)
        return Month(build_monthly_report(month_inputs(store)), ids)
    finally:
        store.dispose()


def timing(report_figures, severity):
    return next(t for t in report_figures.timings if t.severity is severity)


def compliance(report_figures, severity):
    return next(c for c in report_figures.compliance if c.severity is severity)


def test_counts_by_severity_and_category(october):
    current = october.report.current
    assert current.total == 9
    assert current.by_severity == {Severity.P1: 2, Severity.P2: 3, Severity.P3: 3, Severity.P4: 1}
    assert current.by_category == {Category.ENVIRONMENT: 1, Category.HARDWARE: 3, Category.NETWORK: 2,
                                   Category.BASE_SOFTWARE: 2, Category.APPLICATION: 1}


def test_mtta_in_sla_time_per_severity_and_overall(october):
    current = october.report.current
    assert timing(current, Severity.P1).mtta_sla == DurationStats(2, 360, 360)  # E 300, F 420
    assert timing(current, Severity.P2).mtta_sla == DurationStats(2, 900, 900)  # D 1200, K 600; G not acked
    assert timing(current, Severity.P3).mtta_sla == DurationStats(3, 3900, 2700)  # (2700 + 0 + 9000) / 3
    assert timing(current, Severity.P4).mtta_sla == DurationStats(0, None, None)  # H acked in November
    overall = timing(current, None).mtta_sla  # [0, 300, 420, 600, 1200, 2700, 9000]: 14220 / 7
    assert (overall.count, overall.median_s) == (7, 600)
    assert overall.mean_s == pytest.approx(14220 / 7)


def test_mtta_in_wall_clock(october):
    current = october.report.current
    assert timing(current, Severity.P1).mtta_wall == DurationStats(2, 3960, 3960)  # (300 + 7620) / 2
    assert timing(current, Severity.P3).mtta_wall == DurationStats(3, 126900, 149400)  # 229500+1800+149400
    overall = timing(current, None).mtta_wall  # sorted [300, 600, 1200, 1800, 7620, 149400, 229500] = 390420
    assert (overall.count, overall.median_s) == (7, 1800)
    assert overall.mean_s == pytest.approx(390420 / 7)


def test_mttr_in_sla_time_and_wall_clock(october):
    current = october.report.current
    assert timing(current, Severity.P1).mttr_sla == DurationStats(2, 9150, 9150)  # E 10800, F 7500
    assert timing(current, Severity.P2).mttr_sla == DurationStats(2, 25200, 25200)  # D 14400, K 36000
    assert timing(current, Severity.P3).mttr_sla == DurationStats(3, 12600, 14400)  # 14400 + 7200 + 16200
    overall = timing(current, None).mttr_sla  # [7200, 7500, 10800, 14400, 14400, 16200, 36000] = 106500
    assert (overall.count, overall.median_s) == (7, 14400)
    assert overall.mean_s == pytest.approx(106500 / 7)
    assert timing(current, Severity.P2).mttr_wall == DurationStats(2, 64800, 64800)  # D's pause counts: 93600
    overall_wall = timing(current, None).mttr_wall  # [10800, 14700, 36000, 93600, 156600, 241200, 433800]
    assert (overall_wall.count, overall_wall.median_s) == (7, 93600)
    assert overall_wall.mean_s == pytest.approx(986700 / 7)


def test_share_within_sla_counts_known_outcomes_and_pending_apart(october):
    current = october.report.current
    assert compliance(current, Severity.P1).response == Compliance(met=2, breached=0, pending=0)
    assert compliance(current, Severity.P2).response == Compliance(met=2, breached=1, pending=0)  # G over
    assert compliance(current, Severity.P3).response == Compliance(met=2, breached=1, pending=0)  # C over
    assert compliance(current, Severity.P4).response == Compliance(met=0, breached=0, pending=1)
    assert compliance(current, Severity.P4).response.within_ratio is None
    assert compliance(current, None).response == Compliance(met=6, breached=2, pending=1)
    assert compliance(current, None).response.within_ratio == 0.75  # 6 / 8
    assert compliance(current, Severity.P2).resolution == Compliance(met=1, breached=1, pending=1)  # D, K, G
    # resolution: A B C D E F met, K over, G H pending
    assert compliance(current, None).resolution == Compliance(met=6, breached=1, pending=2)
    assert compliance(current, None).resolution.within_ratio == pytest.approx(6 / 7)


def test_breach_list(october):
    ids = october.ids
    found = [(b.incident_id, b.severity, b.clock, b.target_s, b.actual_s, b.over_s, b.still_open, b.reason)
             for b in october.report.current.breaches]
    assert found == [
        (ids["K"], Severity.P2, "resolution", 28800, 36000, 7200, False, "硬盘故障，备件延迟到货"),
        (ids["G"], Severity.P2, "response", 1800, 3600, 1800, True, "—"),
        (ids["C"], Severity.P3, "response", 7200, 9000, 1800, False, "值班人员调休未到岗"),  # the latest reason
    ]
    assert october.report.current.breached_incidents == 3


def test_open_at_month_end_with_sla_state_then(october):
    g, h = october.report.current.open_at_end
    assert (g.incident_id, g.state, g.assignee, g.breached) == (october.ids["G"], S.OPEN, "zhao", True)
    assert (g.response.state, g.response.elapsed_s) == ("running", 3600)
    assert (h.incident_id, h.state, h.breached) == (october.ids["H"], S.OPEN, False)  # acked only on Nov 2
    assert h.response.remaining_s == 82800  # 24 h − 1 h
    assert h.resolution.elapsed_s == 0  # Saturday Oct 31 is no workday
    assert h.resolution.deadline == local("2026-11-06 17:30")  # 45 business hours = Mon–Fri Nov 2–6


def test_previous_month_figures_as_at_its_own_end(october):
    previous = october.report.previous
    assert (previous.total, previous.by_severity[Severity.P1], previous.by_severity[Severity.P3]) == (2, 1, 1)
    assert timing(previous, None).mtta_sla == DurationStats(2, 1500, 1500)  # J 1800, I 1200
    assert timing(previous, None).mttr_sla == DurationStats(1, 7200, 7200)  # I's October resolution unseen
    assert compliance(previous, None).response == Compliance(met=1, breached=1, pending=0)
    assert compliance(previous, None).resolution == Compliance(met=1, breached=0, pending=1)
    [still_open] = previous.open_at_end
    assert (still_open.incident_id, still_open.state) == (october.ids["I"], S.ACKNOWLEDGED)


def test_headline_trend(october):
    headlines = {h.key: h for h in october.report.headlines}
    assert (headlines["incidents_total"].current, headlines["incidents_total"].previous) == (9, 2)
    assert headlines["incidents_total"].change == 7
    assert (headlines["incidents_p1"].current, headlines["incidents_p1"].previous) == (2, 1)
    assert headlines["mtta_sla_mean"].current == pytest.approx(14220 / 7)
    assert headlines["mtta_sla_mean"].previous == 1500
    assert headlines["mttr_sla_mean"].change == pytest.approx(106500 / 7 - 7200)
    assert (headlines["response_within"].current, headlines["response_within"].previous) == (0.75, 0.5)
    assert headlines["resolution_within"].change == pytest.approx(6 / 7 - 1)  # September: J met, I pending
    assert (headlines["breached_incidents"].current, headlines["breached_incidents"].previous) == (3, 1)
    assert (headlines["open_count"].current, headlines["open_count"].previous) == (2, 1)


def test_availability_worst_first_with_previous_month(october):
    host, device, service, overall = october.report.availability
    db01 = 1 - 1800 / (OCTOBER_S - 7200)  # 1 − 1800 / 2671200 ≈ 0.999326
    assert [(line.row.name, line.row.availability, line.previous) for line in host.lines] == [
        ("db-01", pytest.approx(db01), 1.0), ("web-01", 1.0, None)]
    assert (host.mean_availability, host.previous_mean_availability) == (pytest.approx((db01 + 1) / 2), 1.0)
    assert (host.mean_completeness, host.planned_s, host.unplanned_s) == (pytest.approx(0.995), 7200, 1800)
    assert [line.row.name for line in device.lines] == ["printer-3f", "ups-1"]  # fully maintained: last
    assert device.mean_availability == pytest.approx(0.99)  # ups-1 has none and is left out
    assert device.previous_mean_availability == pytest.approx(0.999)
    assert (service.mean_availability, service.previous_mean_availability) == (pytest.approx(0.999), None)
    assert overall.kind is None and overall.lines == ()
    assert overall.mean_availability == pytest.approx((db01 + 1 + 0.99 + 0.999) / 4)
    assert overall.previous_mean_availability == pytest.approx((1 + 0.999) / 2)


def test_noisy_top_ten_and_consumables_in_time_order(october):
    assert [entity.alerts for entity in october.report.noisy] == list(range(12, 2, -1))
    assert [c.device for c in october.report.consumables] == ["printer-2f", "printer-3f"]
