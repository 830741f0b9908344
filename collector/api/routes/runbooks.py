"""HTTP API of the runbooks shipped with the rule pack (see itops.alerting.dispatch.runbooks):

GET /api/v1/runbooks/{name}?language=zh-CN|en   one runbook's section in that language (default zh-CN), as HTML
GET /api/v1/runbooks?fingerprint=…                 the runbooks of these alerts (repeatable; with alerting only),
                                                   of those resolved and forgotten too (an incident's alerts)

The HTML holds only the elements of the Markdown subset (collector/api/markdown_html.py), every text escaped.
Reading needs a viewer, as incidents do.
"""

from __future__ import annotations

from aiohttp import web

from itops.alerting.assembly import Alerting
from itops.alerting.dispatch.runbooks import (
    NoSuchRunbook,
    runbook_section,
    runbooks_of_alerts,
)
from itops.collector.api.access import json_error, requires
from itops.collector.api.app import ApiError, query_choice
from itops.collector.api.markdown_html import render_markdown
from itops.collector.api.openapi import Field, document
from itops.collector.api.roles import Permission
from itops.common.units import LANGUAGES

__all__ = ["add_runbook_routes"]

FINGERPRINTS_MOST = 500  # one incident's alerts; more is no incident page's question


def add_runbook_routes(app: web.Application, alerting: Alerting | None) -> None:
    """``alerting``: where the alerts' runbooks are looked up; None (alerting off) leaves that route out."""
    @requires(Permission.VIEW)
    async def runbook(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        language = query_choice(request, "language", LANGUAGES, "zh-CN")
        try:
            section = runbook_section(name, language)
        except NoSuchRunbook as exc:
            raise json_error(web.HTTPNotFound, str(exc), parameter="name") from None
        return web.json_response({"name": name, "language": language, "html": render_markdown(section)})

    @requires(Permission.VIEW)
    async def runbooks_of(request: web.Request) -> web.Response:
        fingerprints = list(dict.fromkeys(request.query.getall("fingerprint", [])))
        if not 1 <= len(fingerprints) <= FINGERPRINTS_MOST:
            raise ApiError("fingerprint", f"give 1 to {FINGERPRINTS_MOST} alert fingerprints, got {len(fingerprints)}")
        found = runbooks_of_alerts(fingerprints, alerting.pipeline.evaluator.alerts(), alerting.rule_set.rules,
                                   alerting.history)
        return web.json_response({"runbooks": [{"name": name, "fingerprints": of} for name, of in found.items()]})

    app.router.add_get("/api/v1/runbooks/{name}", runbook)
    if alerting is not None:
        app.router.add_get("/api/v1/runbooks", runbooks_of)


document("GET", "/api/v1/runbooks/{name}", "One runbook in one language, as HTML (viewer)", tag="alerting",
         query=(Field("language", "zh-CN (default) or en"),), refusals=((404, "No runbook of that name"),))
document("GET", "/api/v1/runbooks", "The runbooks of these alerts, resolved and forgotten ones too (viewer)",
         tag="alerting", query=(Field("fingerprint", f"An alert's fingerprint (repeatable, at most {FINGERPRINTS_MOST})",
                                      required=True),))
