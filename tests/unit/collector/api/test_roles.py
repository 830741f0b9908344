"""Roles and permissions: the one table of who may do what."""

from __future__ import annotations

from itops.collector.api.roles import Permission, Role


def test_roles_are_ordered_viewer_operator_admin():
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.ADMIN.allows(Role.VIEWER) and Role.OPERATOR.allows(Role.OPERATOR)
    assert not Role.VIEWER.allows(Role.OPERATOR) and not Role.OPERATOR.allows(Role.ADMIN)


def test_a_viewer_may_read_and_look_after_its_own_account_only():
    assert Role.VIEWER.permissions == (Permission.VIEW, Permission.OWN_ACCOUNT)


def test_an_operator_handles_incidents_and_silences_alerts_but_plans_no_maintenance():
    assert Role.OPERATOR.permissions == (Permission.VIEW, Permission.OWN_ACCOUNT, Permission.HANDLE_INCIDENTS,
                                         Permission.SILENCE_ALERTS)
    assert not Role.OPERATOR.may(Permission.PLAN_MAINTENANCE) and not Role.OPERATOR.may(Permission.MANAGE_USERS)


def test_an_admin_may_do_everything():
    assert Role.ADMIN.permissions == tuple(Permission)

