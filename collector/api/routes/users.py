"""HTTP API of logins, users, their API tokens and the audit log.

POST /api/v1/login {"username","password"} → the session (cookie itops_session) and its csrf_token
POST /api/v1/logout, GET /api/v1/me (who is logged in, with the permissions of the role: roles.py)
GET/POST /api/v1/users, POST /api/v1/users/{name}, POST /api/v1/users/{name}/password
GET/POST /api/v1/users/{name}/tokens, DELETE /api/v1/users/{name}/tokens/{token_id}
GET /api/v1/audit?limit=&who=
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from aiohttp import web

from itops.collector.api.access import (
    AUDIT_WHO, CSRF_TOKEN, PRINCIPAL, SESSION_COOKIE, SESSION_ID, Principal, json_error, requires,
)
from itops.collector.api.app import ApiError, iso_or_none, query_limit
from itops.collector.api.login_throttle import LoginThrottle
from itops.collector.api.openapi import Field, document
from itops.collector.api.request_body import request_body
from itops.collector.api.roles import Permission, Role
from itops.collector.api.user_store import (
    LANGUAGES, MIN_PASSWORD_LENGTH, ApiToken, AuditEntry, NoSuchUser, User, UserError, UserStore,
)

__all__ = ["add_user_routes"]

AUDIT_SHOWN, MAX_AUDIT_LIMIT = 100, 1000  # the audit log's default and largest `limit`
_PASSWORD_MOST = 1000  # characters; longer is no password anyone types


def _user_json(user: User) -> dict:
    return {"user": user.username, "display_name": user.display_name, "role": user.role.value,
            "language": user.language, "disabled": user.disabled}


def _token_json(token: ApiToken) -> dict:
    return {"id": token.id, "user": token.username, "name": token.name, "created_at": iso_or_none(token.created_at),
            "last_used_at": iso_or_none(token.last_used_at), "revoked_at": iso_or_none(token.revoked_at)}


def _audit_json(entry: AuditEntry) -> dict:
    return {"at": iso_or_none(entry.at), "who": entry.who, "role": entry.role, "via": entry.via, "method": entry.method,
            "path": entry.path, "status": entry.status, "remote": entry.remote, "detail": entry.detail}


def _user_error(exc: UserError) -> ApiError:
    return ApiError(exc.field, exc.problem)


def _not_found(exc: LookupError) -> web.HTTPError:
    return json_error(web.HTTPNotFound, str(exc))


def _too_many_failed_logins(username: str, wait: timedelta) -> web.HTTPError:
    seconds = math.ceil(wait.total_seconds())
    refused = json_error(web.HTTPTooManyRequests, f"username: too many failed logins for {username} from this "
                         f"address; try again in {seconds} s", parameter="username")
    refused.headers["Retry-After"] = str(seconds)
    return refused


def _principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def add_user_routes(app: web.Application, users: UserStore, throttle: LoginThrottle, session_ttl: timedelta,
                    secure_cookie: bool, clock: Callable[[], datetime]) -> None:

    def session_json(user: User, role: Role, csrf_token: str | None) -> dict:
        return {"user": user.username, "display_name": user.display_name, "role": role.value,
                "language": user.language, "csrf_token": csrf_token,
                "permissions": [permission.value for permission in role.permissions]}

    async def login(request: web.Request) -> web.Response:
        body = await request_body(request)
        username, password = body["username"], body["password"]
        request[AUDIT_WHO] = username
        now, client = clock(), request.remote or "unknown"
        wait = await asyncio.to_thread(throttle.retry_after, client, username, now)
        if wait:
            raise _too_many_failed_logins(username, wait)
        user = await asyncio.to_thread(users.check_password, username, password)
        if user is None:
            await asyncio.to_thread(throttle.failed, client, username, now)
            raise json_error(web.HTTPUnauthorized, "username/password: wrong, or the user is disabled")
        await asyncio.to_thread(throttle.succeeded, client, username)
        session_id, csrf_token = await asyncio.to_thread(users.create_session, username, now, session_ttl)
        response = web.json_response(session_json(user, user.role, csrf_token))
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Strict", path="/",
                            max_age=int(session_ttl.total_seconds()), secure=secure_cookie)
        return response

    @requires(Permission.OWN_ACCOUNT)
    async def logout(request: web.Request) -> web.Response:
        if SESSION_ID in request:
            await asyncio.to_thread(users.end_session, request[SESSION_ID])
        response = web.json_response({"logged_out": True})
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    @requires(Permission.OWN_ACCOUNT)
    async def me(request: web.Request) -> web.Response:
        principal = _principal(request)
        try:
            user = users.get_user(principal.name)
        except NoSuchUser:  # a config admin token's holder, who need not be a user
            user = User(principal.name, principal.name, principal.role, "zh-CN", False)
        return web.json_response(session_json(user, principal.role, request.get(CSRF_TOKEN)))

    @requires(Permission.MANAGE_USERS)
    async def list_users(_request: web.Request) -> web.Response:
        return web.json_response({"users": [_user_json(u) for u in users.list_users()]})

    @requires(Permission.MANAGE_USERS)
    async def create_user(request: web.Request) -> web.Response:
        body = await request_body(request)
        try:
            user = await asyncio.to_thread(
                users.add_user, body["username"], password=body["password"], role=body["role"], at=clock(),
                display_name=body.get("display_name"), language=body.get("language", "zh-CN"))
        except UserError as exc:
            raise _user_error(exc) from None
        return web.json_response(_user_json(user), status=201)

    @requires(Permission.MANAGE_USERS)
    async def update_user(request: web.Request) -> web.Response:
        body = await request_body(request)
        try:
            user = users.update_user(request.match_info["name"], role=body.get("role"),
                                     display_name=body.get("display_name"), language=body.get("language"),
                                     disabled=body.get("disabled"))
        except UserError as exc:
            raise _user_error(exc) from None
        except NoSuchUser as exc:
            raise _not_found(exc) from None
        return web.json_response(_user_json(user))

    def own_or_admin(request: web.Request) -> str:
        principal, name = _principal(request), request.match_info["name"]
        if principal.name != name and not principal.role.may(Permission.MANAGE_USERS):
            raise json_error(web.HTTPForbidden, f"only {name} or an admin may do this")
        return name

    @requires(Permission.OWN_ACCOUNT)
    async def set_password(request: web.Request) -> web.Response:
        name = own_or_admin(request)
        body = await request_body(request)
        try:
            await asyncio.to_thread(users.set_password, name, body["password"])
        except UserError as exc:
            raise _user_error(exc) from None
        except NoSuchUser as exc:
            raise _not_found(exc) from None
        return web.json_response({"user": name, "password_changed": True})

    @requires(Permission.OWN_ACCOUNT)
    async def list_tokens(request: web.Request) -> web.Response:
        try:
            tokens = users.list_tokens(own_or_admin(request))
        except NoSuchUser as exc:
            raise _not_found(exc) from None
        return web.json_response({"tokens": [_token_json(t) for t in tokens]})

    @requires(Permission.OWN_ACCOUNT)
    async def create_token(request: web.Request) -> web.Response:
        name = own_or_admin(request)
        body = await request_body(request)
        try:
            token, secret = users.create_token(name, body["name"], clock())
        except UserError as exc:
            raise _user_error(exc) from None
        except NoSuchUser as exc:
            raise _not_found(exc) from None
        return web.json_response({**_token_json(token), "token": secret}, status=201)

    @requires(Permission.OWN_ACCOUNT)
    async def revoke_token(request: web.Request) -> web.Response:
        try:
            token = users.revoke_token(own_or_admin(request), request.match_info["token_id"], clock())
        except NoSuchUser as exc:
            raise _not_found(exc) from None
        return web.json_response(_token_json(token))

    @requires(Permission.MANAGE_USERS)
    async def audit(request: web.Request) -> web.Response:
        entries = users.audit(query_limit(request, AUDIT_SHOWN, MAX_AUDIT_LIMIT), request.query.get("who"))
        return web.json_response({"entries": [_audit_json(e) for e in entries]})

    app.router.add_post("/api/v1/login", login)
    app.router.add_post("/api/v1/logout", logout)
    app.router.add_get("/api/v1/me", me)
    app.router.add_get("/api/v1/users", list_users)
    app.router.add_post("/api/v1/users", create_user)
    app.router.add_post("/api/v1/users/{name}", update_user)
    app.router.add_post("/api/v1/users/{name}/password", set_password)
    app.router.add_get("/api/v1/users/{name}/tokens", list_tokens)
    app.router.add_post("/api/v1/users/{name}/tokens", create_token)
    app.router.add_delete("/api/v1/users/{name}/tokens/{token_id}", revoke_token)
    app.router.add_get("/api/v1/audit", audit)


_ROLES = tuple(role.value for role in Role)
_NO_USER = ((404, "No such user (or token)"),)
_PASSWORD = Field("password", f"At least {MIN_PASSWORD_LENGTH} characters", required=True,
                  min_length=MIN_PASSWORD_LENGTH, max_length=_PASSWORD_MOST)
_USER_FIELDS = (Field("role", "What the user may do", enum=_ROLES),
                Field("display_name", "Name shown in the console", max_length=200),
                Field("language", "The console's language for this user", enum=LANGUAGES))
_SESSION = (Field("user", "Login name", required=True), *(replace(f, required=True) for f in _USER_FIELDS),
            Field("csrf_token", "Send it as X-CSRF-Token with every change in this session; null for an API token"),
            Field("permissions", "What the role may do, of " + ", ".join(p.value for p in Permission)
                  + " (x-itops-permission of each operation)", "array", required=True, items="string"))
document("POST", "/api/v1/login", "Log in: sets the itops_session cookie, returns the user and its csrf_token",
         tag="auth", body=(Field("username", "Login name", required=True, max_length=100),
                           Field("password", "Password", required=True, max_length=_PASSWORD_MOST)),
         answer=_SESSION,
         refusals=((429, "Too many failed logins from this client (for this username): wait the Retry-After "
                         "seconds; the wait doubles with each further failure"),))
document("POST", "/api/v1/logout", "End this login session", tag="auth")
document("GET", "/api/v1/me", "Who is logged in and what they may do (same body as login)", tag="auth",
         answer=_SESSION)
document("GET", "/api/v1/users", "Every user", tag="users")
document("POST", "/api/v1/users", "Create a user", tag="users", success_status=201,
         body=(Field("username", "Login name", required=True, max_length=100), _PASSWORD,
               Field("role", "What the user may do", required=True, enum=_ROLES), *_USER_FIELDS[1:]))
document("POST", "/api/v1/users/{name}", "Change a user's role, display name, language or disabled flag", tag="users",
         body=(*_USER_FIELDS, Field("disabled", "A disabled user cannot log in; its sessions end", "boolean")), refusals=_NO_USER)
document("POST", "/api/v1/users/{name}/password", "Set a password (the user itself or an admin)", tag="users",
         body=(_PASSWORD,), refusals=_NO_USER)
document("GET", "/api/v1/users/{name}/tokens", "A user's API tokens (never their secrets)", tag="users", refusals=_NO_USER)
document("POST", "/api/v1/users/{name}/tokens", "Make an API token; its secret is in the answer only", tag="users",
         success_status=201, body=(Field("name", "What the token is for", required=True, max_length=100),), refusals=_NO_USER)
document("DELETE", "/api/v1/users/{name}/tokens/{token_id}", "Revoke an API token", tag="users", refusals=_NO_USER)
document("GET", "/api/v1/audit", "The audit log of changing calls, newest first", tag="users",
         query=(Field("limit", f"At most this many (default {AUDIT_SHOWN})", "integer", bounds=(1, MAX_AUDIT_LIMIT)),
                Field("who", "Only this user's calls")))
