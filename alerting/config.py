"""The ``alerting`` section of the collector config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

import msgspec
from msgspec import Meta

from itops.alerting.muting.dependencies import DependencyConfig
from itops.alerting.dispatch.config import DispatchConfig, check_dispatch
from itops.alerting.incidents.config import IncidentsConfig, check_incidents
from itops.alerting.muting.maintenance import MaintenanceConfig
from itops.alerting.dispatch.messages import DEFAULT_SEVERITY_STYLES, SeverityStyle
from itops.alerting.rules.model import Severity
from itops.alerting.notifiers import NOTIFIERS
from itops.common.yaml_config import Duration, FieldProblem

__all__ = ["AlertingConfig", "SHIPPED_RULES_DIR", "check_alerting"]

SHIPPED_RULES_DIR = Path(__file__).resolve().parent / "rules" / "pack"
NotifierConfigUnion = Union[NOTIFIERS.config_models()]  # type: ignore[valid-type]
_DEFAULT_SEVERITIES = ", ".join(f"{level.value} {style.name_zh} {style.colour}" for level, style in DEFAULT_SEVERITY_STYLES.items())


class AlertingConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    shipped_rules: Annotated[bool, Meta(description="Evaluate the default rule pack (alerting/rules/*.yaml; runbooks in runbooks/).")] = True
    rule_files: Annotated[list[str], Meta(description="More rule files or directories; all are re-read when they change.")] = []
    evaluation_interval: Annotated[Duration, Meta(description="Period of the pass for time-based conditions (for, keep_firing_for, absent, offline). Samples are evaluated on arrival.")] = Duration(5)
    time_zone: Annotated[str, Meta(description="Zone of times in notifications and maintenance windows.")] = "Asia/Shanghai"
    language: Annotated[Literal["zh-CN", "en"], Meta(description="Language of notifications, unless a channel sets its own.")] = "zh-CN"
    external_url: Annotated[str, Meta(pattern=r"^$|^https?://[^\s/]+\S*$", description="The collector's HTTP address as the people notified open it, e.g. `https://itops.example.internal` (behind a proxy, the proxy's). Notifications link the console's pages under it: the alert (`/console/#/alerts/<fingerprint>`), its runbook (`/console/#/runbooks/<name>`, unless the rule sets its own `runbook_url`) and the incident. Empty: no console links, none is guessed (the listen address, often `0.0.0.0`, is no address a phone can open).")] = ""
    severities: Annotated[dict[Severity, SeverityStyle], Meta(description=f"Display names (zh-CN, en) and colours of P1–P4 in notifications; levels not listed keep their defaults ({_DEFAULT_SEVERITIES}).")] = {}
    receivers: Annotated[dict[str, list[NotifierConfigUnion]], Meta(description="Named receivers, each a list of channels (`type`: email, webhook, wecom, dingtalk, feishu, alertmanager).")] = {}  # type: ignore[valid-type]
    dispatch: Annotated[DispatchConfig | None, Meta(description="Routing tree, grouping and repeat intervals. Without it alerts are evaluated and listed but not notified.")] = None
    maintenance: Annotated[MaintenanceConfig, Meta(description="Maintenance windows: alerts inside them are recorded, not notified.")] = msgspec.field(default_factory=MaintenanceConfig)
    dependencies: Annotated[DependencyConfig, Meta(description="What hosts and devices sit behind; alerts of children of a down parent are suppressed.")] = msgspec.field(default_factory=DependencyConfig)
    incidents: Annotated[IncidentsConfig | None, Meta(description="Incidents (故障处理单) opened from alerts, SLA targets, on-call schedules and escalation. Without it no incidents are kept.")] = None

    def severity_styles(self) -> dict[Severity, SeverityStyle]:
        return {**DEFAULT_SEVERITY_STYLES, **self.severities}

    def rule_paths(self) -> list[str | Path]:
        return ([SHIPPED_RULES_DIR] if self.shipped_rules else []) + list(self.rule_files)


def check_alerting(config: AlertingConfig, prefix: str = "alerting") -> None:
    """Raise FieldProblem, its field under ``prefix``, for what types cannot say: receivers named by routes,
    on-call people and escalation levels exist; matchers can be read; SLA targets name known calendars."""
    checks = [("incidents", lambda: check_incidents(config.incidents, config.receivers))] if config.incidents else []
    if config.dispatch is not None:
        checks.append(("dispatch", lambda: check_dispatch(config.dispatch, config.receivers)))
    for section, check in checks:
        try:
            check()
        except FieldProblem as problem:
            raise FieldProblem(f"{prefix}.{section}.{problem.field}", problem.problem) from None
