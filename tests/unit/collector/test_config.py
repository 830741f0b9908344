"""The collector's config file: options renamed in a release still load under their old names."""

from __future__ import annotations

import pytest

from itops.collector.config import AuthConfig
from itops.yamlconf import ConfigError, load_text


def test_the_lockout_options_of_before_the_backoff_still_load_as_their_new_names():
    auth = load_text("login_max_failures: 7\nlogin_failure_window: 10m\nlogin_lockout: 30m\n", AuthConfig,
                     file="collector.yaml")
    assert (auth.login_backoff_after, auth.login_failures_forgotten_after, auth.login_backoff_max) == (7, 600, 1800)
    assert auth.login_max_failures is auth.login_failure_window is auth.login_lockout is None


def test_an_old_name_and_its_new_name_together_are_refused_naming_both():
    with pytest.raises(ConfigError) as refused:
        load_text("login_backoff_after: 3\nlogin_max_failures: 7\n", AuthConfig, file="collector.yaml")
    assert "collector.yaml" in str(refused.value)
    assert "login_max_failures: deprecated name of login_backoff_after; give only login_backoff_after" in str(refused.value)


def test_defaults_are_untouched_without_old_names():
    auth = load_text("{}\n", AuthConfig)
    assert (auth.login_backoff_after, auth.login_failures_forgotten_after, auth.login_backoff_max) == (5, 3600, 900)
