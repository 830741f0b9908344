"""The web console: static single-page app served by the collector under /console/.

GET /                        redirects to /console/
GET /console/                the app shell (index.html), never cached so an upgrade shows at once
GET /console/static/{file}   the app's modules and style sheet, revalidated on every load

The app is plain ES modules without a build step; every response carries a Content-Security-Policy that
allows nothing but the collector itself, so no inline script and no CDN can run.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "add_console_routes"]

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                  ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


def _security_headers(cache_control: str) -> dict[str, str]:
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "Cache-Control": cache_control}


def _static_file(name: str) -> Path:
    """Only a file directly inside ``static/``: no sub-paths, no way out of it."""
    path = STATIC_DIR / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in _CONTENT_TYPES or not path.is_file():
        raise web.HTTPNotFound(text=f"no console file {name!r}")
    return path


def _file_response(path: Path, cache_control: str) -> web.Response:
    return web.Response(body=path.read_bytes(), headers={**_security_headers(cache_control),
                                                         "Content-Type": _CONTENT_TYPES[path.suffix]})


def add_console_routes(app: web.Application) -> None:
    async def to_console(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/console/")

    async def index(_request: web.Request) -> web.Response:
        return _file_response(STATIC_DIR / "index.html", "no-store")

    async def static(request: web.Request) -> web.Response:
        # no-cache = revalidate: files keep their names across upgrades, so they must never be served stale
        return _file_response(_static_file(request.match_info["name"]), "no-cache")

    app.router.add_get("/", to_console)
    app.router.add_get("/console", to_console)
    app.router.add_get("/console/", index)
    app.router.add_get("/console/static/{name}", static)
