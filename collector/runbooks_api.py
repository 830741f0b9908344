"""HTTP API of the runbooks shipped with the rule pack (see itops.alerting.runbooks):

GET /api/v1/runbooks/{name}?language=zh-CN|en   one runbook's section in that language (default zh-CN), as HTML

The HTML holds only the elements of the Markdown subset (collector/markdown_html.py), every text escaped.
Reading needs a viewer, as incidents do.
"""

from __future__ import annotations

from typing import get_args

from aiohttp import web

from itops.alerting.messages import Language
from itops.alerting.runbooks import NoSuchRunbook, runbook_section
from itops.collector.access import Role, json_error, requires
from itops.collector.http_api import query_choice
from itops.collector.markdown_html import render_markdown
from itops.collector.openapi import Field, document

__all__ = ["add_runbook_routes"]

LANGUAGES: tuple[Language, ...] = get_args(Language)


def add_runbook_routes(app: web.Application) -> None:
    @requires(Role.VIEWER)
    async def runbook(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        language = query_choice(request, "language", LANGUAGES, "zh-CN")
        try:
            section = runbook_section(name, language)
        except NoSuchRunbook as exc:
            raise json_error(web.HTTPNotFound, str(exc), parameter="name") from None
        return web.json_response({"name": name, "language": language, "html": render_markdown(section)})

    app.router.add_get("/api/v1/runbooks/{name}", runbook)


document("GET", "/api/v1/runbooks/{name}", "One runbook in one language, as HTML (viewer)", tag="alerting",
         query=(Field("language", "zh-CN (default) or en"),), refusals=((404, "No runbook of that name"),))
