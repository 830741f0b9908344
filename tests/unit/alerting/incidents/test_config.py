"""The `alerting.incidents` section: defaults, the documented example, and errors that name the field."""

import pytest
from itops.alerting.config import AlertingConfig, check_alerting
from itops.alerting.incidents.config import IncidentsConfig, check_incidents
from itops.common.yaml_config import ConfigError, FieldProblem, load_text

EXAMPLE = """
receivers:
  wang-phone: [{type: webhook, url: "http://127.0.0.1:9/wang"}]
  li-phone: [{type: webhook, url: "http://127.0.0.1:9/li"}]
incidents:
  database: ""
  policies:
    - name: outages
      matchers: ['severity=~"P1|P2"']
      category: from_label
      group_by: [alertname, host]
      reopen_within: 1h
      on_recurrence: reopen
      open_when_muted: false
      auto_resolve: false
    - name: printers
      matchers: ['alertname=~"Printer.*"']
      category: hardware
      on_recurrence: link
      auto_resolve: true
  oncall:
    people:
      wang: {display_name: 王工, receiver: wang-phone}
      li: {display_name: 李组长, receiver: li-phone}
    schedules:
      ops:
        time_zone: Asia/Shanghai
        rotation: {members: [wang, li], start: "2026-01-05 09:00", shift: 1w}
  escalation:
    levels:
      - {at: 0.0, notify: "oncall:ops"}
      - {at: 0.5, notify: "oncall:ops"}
      - {at: 1.0, notify: li}
"""


def example(replacements: dict[str, str] | None = None) -> AlertingConfig:
    text = EXAMPLE
    for old, new in (replacements or {}).items():
        assert old in text
        text = text.replace(old, new)
    return load_text(text, AlertingConfig, "collector.yaml")


def test_the_example_loads_and_passes_the_checks():
    config = example()
    check_alerting(config)
    policies = config.incidents.policies
    assert [(p.name, p.category, p.reopen_within, p.on_recurrence, p.auto_resolve) for p in policies] == [
        ("outages", "from_label", 3600, "reopen", False), ("printers", "hardware", 3600, "link", True)]
    assert policies[0].group_by == ["alertname", "host"] and policies[1].group_by == ["alertname", "host", "device"]
    assert [(level.at, level.notify) for level in config.incidents.escalation.levels] == [
        (0.0, "oncall:ops"), (0.5, "oncall:ops"), (1.0, "li")]


def test_defaults_open_incidents_for_p1_to_p3_and_do_not_escalate():
    config = IncidentsConfig()
    [policy] = config.policies
    assert (policy.name, policy.matchers, policy.category, policy.fallback_category) == (
        "default", ['severity=~"P1|P2|P3"'], "from_label", "base_software")
    assert (policy.group_by, policy.reopen_within, policy.on_recurrence) == (["alertname", "host", "device"], 3600, "reopen")
    assert (policy.open_when_muted, policy.auto_resolve, config.database) == (False, False, "")
    assert config.escalation.levels == []
    check_incidents(config, receivers=[])


def test_without_the_section_there_are_no_incidents():
    assert AlertingConfig().incidents is None
    check_alerting(AlertingConfig())


def test_an_escalation_to_an_unknown_schedule_names_the_level():
    config = example({'"oncall:ops"}\n      - {at: 0.5': '"oncall:night"}\n      - {at: 0.5'})
    with pytest.raises(FieldProblem) as problem:
        check_alerting(config)
    assert problem.value.field == "alerting.incidents.escalation.levels[0].notify"
    assert "no on-call schedule named 'night' (oncall.schedules: ops)" in problem.value.problem


def test_an_escalation_to_an_unknown_person_names_the_level():
    config = example({"notify: li}": "notify: zhang}"})
    with pytest.raises(FieldProblem) as problem:
        check_alerting(config)
    assert problem.value.field == "alerting.incidents.escalation.levels[2].notify"
    assert "'zhang' is neither `oncall:<schedule>` nor a person in oncall.people (li, wang)" in problem.value.problem


def test_a_person_with_an_unknown_receiver_is_refused_under_oncall():
    config = example({"receiver: li-phone": "receiver: li-pager"})
    with pytest.raises(FieldProblem) as problem:
        check_alerting(config)
    assert problem.value.field.startswith("alerting.incidents.oncall.")


def test_policy_matchers_and_names_are_checked():
    bad_matcher = example({"""matchers: ['alertname=~"Printer.*"']""": "matchers: ['alertname~Printer']"})
    with pytest.raises(FieldProblem) as problem:
        check_alerting(bad_matcher)
    assert problem.value.field == "alerting.incidents.policies[1].matchers"
    twice = example({"name: printers": "name: outages"})
    with pytest.raises(FieldProblem) as problem:
        check_alerting(twice)
    assert problem.value.field == "alerting.incidents.policies[1].name"


def test_an_unknown_category_or_recurrence_is_refused_with_its_line():
    with pytest.raises(ConfigError) as error:
        example({"category: hardware": "category: plumbing"})
    line = EXAMPLE.splitlines().index("      category: hardware") + 1
    assert error.value.field == "incidents.policies[1].category" and error.value.line == line
    with pytest.raises(ConfigError) as error:
        example({"on_recurrence: link": "on_recurrence: ignore"})
    assert error.value.field == "incidents.policies[1].on_recurrence"


def test_a_negative_escalation_fraction_is_refused():
    with pytest.raises(ConfigError) as error:
        example({"{at: 0.5,": "{at: -0.5,"})
    assert error.value.field == "incidents.escalation.levels[1].at"
