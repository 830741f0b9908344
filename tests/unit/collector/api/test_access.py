"""``requires`` (a permission, checked against the caller's role) and the anonymous audit limit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from itops.collector.api.access import PRINCIPAL, AnonymousAuditLimit, Principal, requires
from itops.collector.api.roles import Permission, Role

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class _Request(dict):
    """Just enough of a request for the decorator: it reads only the principal."""


def _call(handler, principal: Principal | None):
    request = _Request() if principal is None else _Request({PRINCIPAL: principal})
    return asyncio.run(handler(request))


@pytest.fixture
def handler():
    @requires(Permission.HANDLE_INCIDENTS)
    async def ack(_request):
        return web.json_response({"ok": True})

    return ack


def test_requires_refuses_without_principal_with_401(handler):
    with pytest.raises(web.HTTPUnauthorized):
        _call(handler, None)


def test_requires_refuses_a_role_without_the_permission_with_403(handler):
    with pytest.raises(web.HTTPForbidden) as refused:
        _call(handler, Principal("li", Role.VIEWER, "session"))
    assert "needs the operator role; li is viewer" in refused.value.text


def test_requires_lets_the_permissions_least_role_and_higher_ones_through(handler):
    assert _call(handler, Principal("li", Role.OPERATOR, "token")).status == 200
    assert _call(handler, Principal("wang", Role.ADMIN, "session")).status == 200
    assert handler.required_permission is Permission.HANDLE_INCIDENTS


def test_anonymous_audit_limit_counts_per_client_and_window():
    dropped = []
    limit = AnonymousAuditLimit(3, timedelta(hours=1), lambda: dropped.append(1))
    assert [limit.allows("192.0.2.7", T0 + timedelta(minutes=m)) for m in range(5)] == [True] * 3 + [False] * 2
    assert limit.allows("198.51.100.9", T0 + timedelta(minutes=5)) and len(dropped) == 2
    assert limit.allows("192.0.2.7", T0 + timedelta(hours=1))  # a new window
