"""Enrollment tokens and certificate revocation for admins, as `itops-collector enroll-token` and `revoke` do.

POST   /api/v1/enrollment-tokens                  {"agent_id", "expires": "24h"} → the token, shown this once
GET    /api/v1/enrollment-tokens                  every token (its id, agent, state; never the token)
DELETE /api/v1/enrollment-tokens/{token_id}       revoke an unused token
POST   /api/v1/agents/{agent_id}/revoke           revoke every certificate of the agent, at its next call
GET    /api/v1/certificates                       the certificates issued (?revoked=1: the revoked ones)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from itops.collector.api.access import principal_name, requires
from itops.collector.api.app import ApiError, query_choice
from itops.collector.api.openapi import Field, document
from itops.collector.api.request_body import request_body
from itops.collector.api.roles import Permission
from itops.collector.ingest.enrollment_service import check_agent_id
from itops.collector.records.enrollment import EnrollmentStore
from itops.common.yaml_config import parse_duration

__all__ = ["add_enrollment_routes"]

MAX_TOKEN_LIFETIME_S = 30 * 86400


def add_enrollment_routes(app: web.Application, store: EnrollmentStore, clock: Callable[[], float] = time.time) -> None:
    @requires(Permission.MANAGE_AGENTS)
    async def create_token(request: web.Request) -> web.Response:
        body = await request_body(request)
        problem = check_agent_id(body["agent_id"])
        if problem:
            raise ApiError("agent_id", problem)
        try:
            lifetime_s = parse_duration(body.get("expires", "24h"))
        except ValueError as exc:
            raise ApiError("expires", str(exc)) from None
        if not 0 < lifetime_s <= MAX_TOKEN_LIFETIME_S:
            raise ApiError("expires", f"expected more than 0 and at most {MAX_TOKEN_LIFETIME_S // 86400} days")
        now_ms = int(clock() * 1000)
        token, record = store.create_token(body["agent_id"], now_ms, int(lifetime_s * 1000), principal_name(request))
        return web.json_response({**record.as_json(), "token": token}, status=201)

    @requires(Permission.MANAGE_AGENTS)
    async def list_tokens(_request: web.Request) -> web.Response:
        return web.json_response({"tokens": [t.as_json() for t in store.tokens()]})

    @requires(Permission.MANAGE_AGENTS)
    async def revoke_token(request: web.Request) -> web.Response:
        if not store.revoke_token(request.match_info["token_id"], int(clock() * 1000)):
            raise web.HTTPNotFound(text='{"error": "no unused enrollment token with this id"}',
                                   content_type="application/json")
        return web.json_response({"revoked": request.match_info["token_id"]})

    @requires(Permission.MANAGE_AGENTS)
    async def revoke_agent(request: web.Request) -> web.Response:
        agent_id = request.match_info["agent_id"]
        count = store.revoke_agent(agent_id, int(clock() * 1000))
        return web.json_response({"agent_id": agent_id, "revoked_certificates": count})

    @requires(Permission.MANAGE_AGENTS)
    async def certificates(request: web.Request) -> web.Response:
        revoked_only = query_choice(request, "revoked", ("1",)) == "1"
        return web.json_response({"certificates": [c.as_json() for c in store.certificates(revoked_only)]})

    app.router.add_post("/api/v1/enrollment-tokens", create_token)
    app.router.add_get("/api/v1/enrollment-tokens", list_tokens)
    app.router.add_delete("/api/v1/enrollment-tokens/{token_id}", revoke_token)
    app.router.add_post("/api/v1/agents/{agent_id}/revoke", revoke_agent)
    app.router.add_get("/api/v1/certificates", certificates)


document("POST", "/api/v1/enrollment-tokens", "Make a one-time enrollment token for an agent; the token is in the "
         "answer only", tag="enrollment", success_status=201,
         body=(Field("agent_id", "The agent it enrolls", required=True, max_length=128),
               Field("expires", "How long it may be used, e.g. 24h (default), at most 30d", max_length=20)))
document("GET", "/api/v1/enrollment-tokens", "Every enrollment token: id, agent, created, expires, used, revoked "
         "(never the token)", tag="enrollment")
document("DELETE", "/api/v1/enrollment-tokens/{token_id}", "Revoke an unused enrollment token", tag="enrollment",
         refusals=((404, "No unused token with this id"),))
document("POST", "/api/v1/agents/{agent_id}/revoke", "Revoke every certificate issued to the agent so far; its "
         "calls are refused from the next one", tag="enrollment")
document("GET", "/api/v1/certificates", "The agent certificates issued, with their revocations", tag="enrollment",
         query=(Field("revoked", "1: only the revoked ones", enum=("1",)),))
