from itops.alerting.config import SHIPPED_RULES_DIR, AlertingConfig
from itops.alerting.dispatch.messages import DEFAULT_SEVERITY_STYLES
from itops.alerting.rules.model import Severity
from itops.common.yaml_config import ConfigError, load_text

import pytest


def test_severity_names_and_colours_override_only_the_levels_given():
    config = load_text("severities:\n  P1: {name_zh: 一级, name_en: Sev 1, colour: red}\n", AlertingConfig)
    styles = config.severity_styles()
    assert (styles[Severity.P1].name_zh, styles[Severity.P1].name_en) == ("一级", "Sev 1")
    assert styles[Severity.P4] == DEFAULT_SEVERITY_STYLES[Severity.P4]


def test_unknown_severity_level_is_refused_with_its_line():
    with pytest.raises(ConfigError) as error:
        load_text("language: en\nseverities:\n  P5: {name_zh: 五级, name_en: Sev 5, colour: grey}\n", AlertingConfig, "c.yaml")
    assert error.value.line == 2 and error.value.field.startswith("severities")


@pytest.mark.parametrize("url", ["", "https://itops.example.internal", "http://10.0.0.5:8080/"])
def test_external_url_is_empty_or_an_http_address(url):
    assert load_text(f"external_url: '{url}'\n", AlertingConfig).external_url == url


@pytest.mark.parametrize("url", ["itops.example.internal", "https://", "ftp://itops"])
def test_external_url_that_no_browser_opens_is_refused_with_its_line(url):
    with pytest.raises(ConfigError) as error:
        load_text(f"language: en\nexternal_url: '{url}'\n", AlertingConfig, "c.yaml")
    assert (error.value.line, error.value.field) == (2, "external_url")


def test_shipped_rules_come_first_then_extra_files():
    assert AlertingConfig(rule_files=["/etc/itops/rules"]).rule_paths() == [SHIPPED_RULES_DIR, "/etc/itops/rules"]
    assert AlertingConfig(shipped_rules=False).rule_paths() == []


def test_the_readme_example_configuration_is_valid():
    import pathlib
    import re

    import yaml

    from itops.alerting.dispatch.config import check_dispatch

    readme = (pathlib.Path(__file__).resolve().parents[3] / "alerting" / "README.md").read_text()
    block = re.search(r"## Configuration.*?```yaml\n(.*?)```", readme, re.S).group(1)
    alerting = yaml.safe_dump(yaml.safe_load(block)["alerting"], allow_unicode=True)
    config = load_text(alerting, AlertingConfig, "README.md")
    check_dispatch(config.dispatch, config.receivers)
    assert set(config.receivers) == {"oncall", "it-mail", "office-admin"}
