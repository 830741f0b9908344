"""Who calls the HTTP API and whether they may: the principal of a request, ``@requires``, and the auth and
audit middlewares.

A request proves who it is with the session cookie ``itops_session`` (console logins) or
``Authorization: Bearer <token>`` (a user's API token, or one of the config's ``admin_tokens``). Handlers
declare the permission they need with ``@requires(Permission.X)``, which refuses a caller whose role lacks it
(roles.py says which role has which permission); every non-GET request needs someone, and every
non-GET request is written to the audit log, refused ones included (those without a principal up to a
limit per client address). A known path called with a method it lacks answers 405 before anyone is asked for.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from aiohttp import web

from itops.collector.api.roles import Permission, Role
from itops.collector.api.user_store import AuditEntry, User, UserStore, audit_detail

__all__ = ["AUDIT_WHO", "AnonymousAuditLimit", "CSRF_TOKEN", "Principal", "SESSION_COOKIE", "SESSION_ID",
           "access_middlewares", "json_error", "principal_name", "requires"]

SESSION_COOKIE = "itops_session"
CSRF_HEADER = "X-CSRF-Token"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/api/v1/health", "/api/v1/login"})  # reachable without login even when reads need one
API_PREFIX = "/api/v1/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    via: Literal["session", "token"]

    @classmethod
    def of(cls, user: User, via: Literal["session", "token"]) -> Principal:
        return cls(user.username, user.role, via)


PRINCIPAL = web.RequestKey("itops_principal", Principal)
CSRF_TOKEN = web.RequestKey("itops_csrf_token", str)
SESSION_ID = web.RequestKey("itops_session_id", str)
AUDIT_WHO = web.RequestKey("itops_audit_who", str)  # names the caller in the audit log before a principal exists


def principal_name(request: web.Request) -> str:
    """The caller of a handler behind ``requires``."""
    return request[PRINCIPAL].name


def json_error(status: type[web.HTTPError], message: str, **extra: object) -> web.HTTPError:
    return status(text=json.dumps({"error": message, **extra}, ensure_ascii=False), content_type="application/json")


def requires(permission: Permission) -> Callable[[Handler], Handler]:
    """401 without a principal, 403 when its role lacks ``permission``."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            principal: Principal | None = request.get(PRINCIPAL)
            if principal is None:
                raise json_error(web.HTTPUnauthorized, "log in or send an API token")
            if not principal.role.may(permission):
                raise json_error(web.HTTPForbidden, f"needs the {permission.least_role.value} role; "
                                                    f"{principal.name} is {principal.role.value}")
            return await handler(request)

        checked.required_permission = permission  # type: ignore[attr-defined]  # read by the OpenAPI document
        return checked

    return decorate


class AnonymousAuditLimit:
    """Lets at most ``per_client`` audit entries of requests without a principal through per client address in each
    ``window``, so refused calls from nobody cannot fill the audit log; ``on_dropped`` counts the rest. The windows
    start at the first request after the last one ended, for all clients at once: the memory held is one window's
    client addresses."""

    def __init__(self, per_client: int, window: timedelta, on_dropped: Callable[[], None]):
        self._per_client, self._window, self._on_dropped = per_client, window, on_dropped
        self._written: Counter[str] = Counter()
        self._window_ends: datetime | None = None

    def allows(self, client: str, at: datetime) -> bool:
        if self._window_ends is None or at >= self._window_ends:
            self._written.clear()
            self._window_ends = at + self._window
        self._written[client] += 1
        allowed = self._written[client] <= self._per_client
        if not allowed:
            self._on_dropped()
        return allowed


def access_middlewares(users: UserStore, admin_tokens: dict[str, str], require_login_for_reads: bool,
                       clock: Callable[[], datetime], anonymous_audit: AnonymousAuditLimit | None = None) -> list:
    """[audit, authenticate] for ``web.Application(middlewares=…)``; ``admin_tokens``: SHA-256 → holder's name.
    Without ``anonymous_audit`` every anonymous changing call is audited."""

    def bearer_principal(token: str) -> Principal | None:
        admin = admin_tokens.get(hashlib.sha256(token.encode("utf-8")).hexdigest())
        if admin is not None:
            return Principal(admin, Role.ADMIN, "token")
        user = users.user_for_token(token, clock())
        return None if user is None else Principal.of(user, "token")

    async def principal_of(request: web.Request) -> Principal | None:
        header = request.headers.get("Authorization")
        if header is not None:
            if not header.startswith("Bearer "):
                raise json_error(web.HTTPUnauthorized, "Authorization: expected `Bearer <token>`")
            principal = await asyncio.to_thread(bearer_principal, header.removeprefix("Bearer ").strip())
            if principal is None:
                raise json_error(web.HTTPUnauthorized, "Authorization: unknown or revoked token")
            return principal
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        found = await asyncio.to_thread(users.session_user, session_id, clock())
        if found is None:
            return None
        user, csrf_token = found
        request[CSRF_TOKEN] = csrf_token
        request[AUDIT_WHO] = user.username
        if request.method not in READ_METHODS and not hmac.compare_digest(
                request.headers.get(CSRF_HEADER, "").encode(), csrf_token.encode()):
            raise json_error(web.HTTPForbidden, f"{CSRF_HEADER}: missing or wrong (send the csrf_token of /api/v1/me)")
        request[SESSION_ID] = session_id
        return Principal.of(user, "session")

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        _refuse_undeclared_method(request)
        principal = await principal_of(request)
        if principal is not None:
            request[PRINCIPAL] = principal
        if principal is None and request.path != "/api/v1/login" and (
                request.method not in READ_METHODS
                or (require_login_for_reads and request.path.startswith(API_PREFIX) and request.path not in OPEN_PATHS)):
            raise json_error(web.HTTPUnauthorized, "log in or send an API token")
        return await handler(request)

    @web.middleware
    async def audit(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in READ_METHODS:
            return await handler(request)
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            now = clock()
            if PRINCIPAL in request or anonymous_audit is None or anonymous_audit.allows(request.remote or "unknown", now):
                await asyncio.to_thread(users.record_audit, await _audit_entry(request, status, now))

    return [audit, authenticate]


def _refuse_undeclared_method(request: web.Request) -> None:
    """405 with Allow for a known path called with another method, before asking who calls: the answer does not
    depend on who it is."""
    refused = request.match_info.http_exception
    if isinstance(refused, web.HTTPMethodNotAllowed):
        allowed = sorted(refused.allowed_methods)
        raise web.HTTPMethodNotAllowed(
            request.method, allowed, content_type="application/json",
            text=json.dumps({"error": f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}"}))


async def _audit_entry(request: web.Request, status: int, at: datetime) -> AuditEntry:
    principal: Principal | None = request.get(PRINCIPAL)
    try:
        body = await request.json() if request.can_read_body or request.body_exists else None
    except (ValueError, UnicodeDecodeError):
        body = None
    who = principal.name if principal is not None else request.get(AUDIT_WHO, "anonymous")
    return AuditEntry(at=at, who=who, role=principal.role.value if principal else None,
                      via=principal.via if principal else None, method=request.method, path=request.path,
                      status=status, remote=request.remote, detail=audit_detail(body))
