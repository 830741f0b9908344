"""The OpenAPI 3.1 document of the HTTP API, served at GET /api/v1/openapi.json.

Each API module declares its operations next to its handlers with ``document(...)`` (at import time);
``openapi_document(app)`` joins them with the app's routes, and takes each route's permission (and the
least role that has it) from its ``@requires`` decorator. ``undocumented_routes(app)`` lists every /api/v1
route nobody declared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from itops import __version__

__all__ = ["Field", "OPERATIONS", "Operation", "add_openapi_route", "document", "object_schema", "openapi_document",
           "operation_of", "undocumented_routes"]

API_PREFIX = "/api/v1/"
_PATH_PARAMETER_RE = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Field:
    """A query parameter or a JSON body field. A body's fields are both its OpenAPI schema and what
    ``request_body`` checks a request against, so the two cannot drift."""

    name: str
    description: str
    type: str = "string"  # JSON Schema type: string, integer, number, boolean, array, object
    required: bool = False
    enum: tuple[str, ...] = ()  # the only values allowed
    max_length: int | None = None  # strings: most characters; arrays: most items
    min_length: int | None = None  # strings: fewest characters
    format: str | None = None  # "date-time": RFC 3339 with a zone offset
    items: str | tuple[Field, ...] | None = None  # arrays: the items' type, or the fields of object items
    bounds: tuple[int, int] | None = None  # integers: the smallest and largest allowed

    @property
    def blank_is_absent(self) -> bool:
        """An optional free-text field left blank (a form's empty input) counts as not given."""
        return not self.required and self.type == "string" and not self.enum and self.format is None

    def schema(self) -> dict:
        """This field's JSON Schema; a field that is not required may also be null (not given)."""
        schema = {"type": self.type if self.required else [self.type, "null"], "description": self.description,
                  **_value_schema(self)}
        if self.enum and not self.required:
            schema["enum"] = [*self.enum, None]
        return schema


def _value_schema(field: Field, blank_allowed: bool = False) -> dict:
    """What a value of ``field`` may be; a query parameter (``blank_allowed``) may be empty, a body string not."""
    schema: dict = {}
    if field.enum:
        schema["enum"] = list(field.enum)
    if field.type == "string" and not field.blank_is_absent and not blank_allowed:
        schema["pattern"] = r"\S"  # not empty, not only blanks
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.min_length is not None:
            schema["minLength"] = field.min_length
    if field.format is not None:
        schema["format"] = field.format
    if field.bounds is not None:
        schema["minimum"], schema["maximum"] = field.bounds
    if field.type == "array" and field.max_length is not None:
        schema["maxItems"] = field.max_length
    if isinstance(field.items, str):
        schema["items"] = {"type": field.items, **({"pattern": r"\S"} if field.items == "string" else {})}
    elif field.items is not None:
        schema["items"] = object_schema(field.items)
    return schema


def object_schema(fields: tuple[Field, ...]) -> dict:
    """A JSON object of exactly ``fields``: nothing else is accepted (``additionalProperties: false``)."""
    return {"type": "object", "properties": {f.name: f.schema() for f in fields},
            "required": [f.name for f in fields if f.required], "additionalProperties": False}


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    query: tuple[Field, ...] = ()
    body: tuple[Field, ...] = ()
    success_status: int = 200
    refusals: tuple[tuple[int, str], ...] = ()  # (status, when) beyond 400/401/403 (and 415 with a body)
    answer: tuple[Field, ...] = ()  # the success body's fields, when declared


OPERATIONS: dict[tuple[str, str], Operation] = {}


def document(method: str, path: str, summary: str, *, tag: str, query: tuple[Field, ...] = (),
             body: tuple[Field, ...] = (), success_status: int = 200,
             refusals: tuple[tuple[int, str], ...] = (), answer: tuple[Field, ...] = ()) -> None:
    """Declare one operation; ``path`` written as the route is (``/api/v1/incidents/{incident_id}``)."""
    OPERATIONS[(method.upper(), path)] = Operation(method.upper(), path, summary, tag, tuple(query), tuple(body),
                                                   success_status, tuple(refusals), tuple(answer))


def operation_of(request: web.Request) -> Operation:
    """The declared operation a request was routed to."""
    resource = request.match_info.route.resource
    key = (request.method, resource.canonical if resource is not None else request.path)
    try:
        return OPERATIONS[key]
    except KeyError:
        raise LookupError(f"{key[0]} {key[1]} has no document(...) declaration") from None


def _api_routes(app: web.Application):
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(API_PREFIX) and route.method != "HEAD":
            yield route.method, path, route.handler


def undocumented_routes(app: web.Application) -> list[str]:
    return sorted(f"{method} {path}" for method, path, _ in _api_routes(app) if (method, path) not in OPERATIONS)


_ERROR_RESPONSE = {"description": 'Error: `{"error": "<field>: <problem>", "parameter": "<field>"}`',
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_NOT_JSON = "The body was not sent as Content-Type: application/json"


def _responses(operation: Operation) -> dict:
    success: dict = {"description": "Success (JSON)"}
    if operation.answer:
        success["content"] = {"application/json": {"schema": object_schema(operation.answer)}}
    responses = {str(operation.success_status): success,
                 "400": _ERROR_RESPONSE, "401": _ERROR_RESPONSE, "403": _ERROR_RESPONSE}
    refusals = (((415, _NOT_JSON),) if operation.body else ()) + operation.refusals
    for status, when in refusals:
        responses[str(status)] = {**_ERROR_RESPONSE, "description": when}
    return responses


def _operation_object(operation: Operation, handler) -> dict:
    result: dict = {"summary": operation.summary, "tags": [operation.tag],
                    "operationId": f"{operation.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', operation.path[8:].lower()).strip('_')}"}
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _PATH_PARAMETER_RE.findall(operation.path)]
    parameters += [{"name": f.name, "in": "query", "required": f.required, "description": f.description,
                    "schema": {"type": f.type, **_value_schema(f, blank_allowed=True)}} for f in operation.query]
    if parameters:
        result["parameters"] = parameters
    if operation.body:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": object_schema(operation.body)}}}
    result["responses"] = _responses(operation)
    permission = getattr(handler, "required_permission", None)
    if permission is not None:
        result["security"] = [{"bearer": []}, {"session": []}]
        result["x-itops-role"] = permission.least_role.value
        result["x-itops-permission"] = permission.value
    return result


def openapi_document(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for method, path, handler in _api_routes(app):
        operation = OPERATIONS.get((method, path))
        if operation is not None:
            paths.setdefault(path, {})[method.lower()] = _operation_object(operation, handler)
    return {
        "openapi": "3.1.0",
        "info": {"title": "itops collector API", "version": __version__,
                 "description": "Times are RFC 3339 UTC. Changing calls need a permission "
                                "(x-itops-permission), which x-itops-role and the roles above it have; GET /api/v1/me "
                                "lists the caller's. Cookie sessions also send the X-CSRF-Token header. Bodies are JSON "
                                "(Content-Type: application/json, else 415) with exactly the declared fields: an unknown field, a "
                                "missing required one or a value outside its type, enum, length or format is refused "
                                "with 400 naming it. A path called with a method it does "
                                "not have answers 405 with the Allow header, before any login."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "itops_session"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"},
                                                                   "parameter": {"type": "string"}},
                                  "required": ["error"]}},
        },
    }


def add_openapi_route(app: web.Application) -> None:
    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(openapi_document(request.app))

    app.router.add_get("/api/v1/openapi.json", openapi_json)


document("GET", "/api/v1/openapi.json", "This OpenAPI 3.1 document", tag="meta")
