"""GET /api/v1/entities — every host and device with its state, latest key readings and checks.

?kind=host|printer|…   only entities of that kind
?status=ok|warning|…   only entities in that state

Each key reading carries its ``label`` and ``text`` in zh-CN and en ({"zh-CN": "可续航", "en": "Runtime"},
{"zh-CN": "1 小时 16 分", "en": "1 h 16 min"}), written by the metric catalogue.
"""

from __future__ import annotations

from aiohttp import web

from itops.collector.api.access import requires
from itops.collector.api.app import query_choice
from itops.collector.api.openapi import Field, document
from itops.collector.api.roles import Permission
from itops.collector.records.entity_directory import (
    ENTITY_KINDS,
    ENTITY_STATUSES,
    EntityDirectory,
)

__all__ = ["add_entity_routes"]


def add_entity_routes(app: web.Application, directory: EntityDirectory) -> None:
    @requires(Permission.VIEW)
    async def entities(request: web.Request) -> web.Response:
        kind = query_choice(request, "kind", ENTITY_KINDS)
        status = query_choice(request, "status", ENTITY_STATUSES)
        found = [e for e in await directory.entities()
                 if (kind is None or e.kind == kind) and (status is None or e.status == status)]
        return web.json_response({"entities": [e.as_json() for e in found]})

    app.router.add_get("/api/v1/entities", entities)


document("GET", "/api/v1/entities", "Hosts, printers, UPS, switches, sensors, attendance clocks and backups with "
         "status, last seen, open alerts, key readings (each with its label and text in zh-CN and en) and checks",
         tag="entities",
         query=(Field("kind", "Only this kind", enum=ENTITY_KINDS), Field("status", "Only this status", enum=ENTITY_STATUSES)))
