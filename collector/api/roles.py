"""Who may do what on the HTTP API: the three roles, and each permission with the least role that has it.

This table is the one place that says it. A handler names the permission it needs with
``@requires(Permission.X)`` (access.py refuses the caller whose role lacks it); ``GET /api/v1/me`` lists the
caller's permissions, and the console shows only the buttons and forms of those.
"""

from __future__ import annotations

import enum

__all__ = ["Permission", "Role"]


class Role(str, enum.Enum):
    """A user's role; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        return _RANK[self] >= _RANK[needed]

    def may(self, permission: Permission) -> bool:
        return self.allows(permission.least_role)

    @property
    def permissions(self) -> tuple[Permission, ...]:
        return tuple(permission for permission in Permission if self.may(permission))


class Permission(str, enum.Enum):
    """Something a caller may do; its value is the name the API and the console use."""

    VIEW = "view"  # read incidents, alerts, silences, hosts, reports and runbooks
    OWN_ACCOUNT = "own_account"  # GET /api/v1/me, log out, change the own password, make and revoke own API tokens
    HANDLE_INCIDENTS = "handle_incidents"  # report, acknowledge, assign, note, move on, resolve and close incidents
    SILENCE_ALERTS = "silence_alerts"  # add and expire silences
    PLAN_MAINTENANCE = "plan_maintenance"  # add and delete maintenance windows
    MANAGE_USERS = "manage_users"  # add and change users, anyone's password and tokens, read the audit log
    MANAGE_AGENTS = "manage_agents"  # make and revoke enrollment tokens, revoke agents' certificates

    @property
    def least_role(self) -> Role:
        return _LEAST_ROLE[self]


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
_LEAST_ROLE = {
    Permission.VIEW: Role.VIEWER,
    Permission.OWN_ACCOUNT: Role.VIEWER,
    Permission.HANDLE_INCIDENTS: Role.OPERATOR,
    Permission.SILENCE_ALERTS: Role.OPERATOR,
    Permission.PLAN_MAINTENANCE: Role.ADMIN,
    Permission.MANAGE_USERS: Role.ADMIN,
    Permission.MANAGE_AGENTS: Role.ADMIN,
}
