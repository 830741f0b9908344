"""Schemathesis against the real collector on 127.0.0.1: for every /api/v1 operation of its OpenAPI document,
requests made from the schema (valid ones, and ones that break it) with an admin token. No answer is a 5xx,
every answer's status, content type and body are as documented, and a request the schema calls invalid is
refused (negative_data_rejection): a schema-driven client finds no accepted-but-invalid request.

Reproducible and bounded: Hypothesis is derandomized (a fixed seed per operation) and draws a few examples
per operation and mode, so the run stays well under a minute on two cores."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from itops.collector.ingest.agent_credentials import token_sha256

from .conftest import CollectorProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

ADMIN_TOKEN = "schemathesis-admin-token"
EXAMPLES_PER_MODE = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
# Not sent: ending the session or revoking the token the run logs in with would only test the login.
LEFT_OUT = {("POST", "/api/v1/logout")}


@pytest.fixture(scope="module")
def collector(tmp_path_factory, tls_dir):
    config = (f"admin_tokens:\n  - name: schemathesis\n    token_sha256: {token_sha256(ADMIN_TOKEN)}\n"
              "alerting:\n  shipped_rules: false\n  evaluation_interval: 1s\n  incidents: {}\n")
    process = CollectorProcess(tmp_path_factory.mktemp("schema"), tls_dir, {"agent-a": "a" * 32},
                               extra_config=config).start()
    yield process
    if process.process.poll() is None:
        process.process.kill()


def _operations(collector):
    schema = schemathesis.openapi.from_url(f"{collector.http_url}/api/v1/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in LEFT_OUT:
            yield operation


def test_every_operation_conforms_to_the_openapi_document(collector):
    session = requests.Session()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    operations = list(_operations(collector))
    documented = session.get(f"{collector.http_url}/api/v1/openapi.json").json()["paths"]
    schema_itself = ("GET", "/api/v1/openapi.json")  # schemathesis does not test the document it reads
    assert {(o.method.upper(), o.path) for o in operations} == {
        (method.upper(), path) for path, methods in documented.items() for method in methods} - LEFT_OUT - {schema_itself}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_MODE, derandomize=True, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def conforms(case):
                case.call_and_validate(base_url=collector.http_url, session=session, headers=headers, checks=CHECKS)

            try:
                conforms()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # Nothing of it can break the schema (no body, no constrained parameter): no negative case.
