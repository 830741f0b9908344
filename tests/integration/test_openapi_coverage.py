"""The OpenAPI document covers every /api/v1 route of the real collector app, whatever module added it."""

import asyncio

import msgspec
import pytest

from itops.collector.config import CollectorConfig
from itops.collector.api.openapi import openapi_document, undocumented_routes
from itops.collector.server import Collector

pytestmark = pytest.mark.integration


def test_every_api_route_of_the_collector_is_documented(tmp_path):
    asyncio.run(_check_documented(tmp_path))


async def _check_documented(tmp_path):
    config = msgspec.convert({
        "data_dir": str(tmp_path / "state"), "grpc": {"listen": "127.0.0.1:0", "insecure": True},
        "http": {"listen": "127.0.0.1:0"}, "storage": {"type": "sqlite", "path": str(tmp_path / "tsdb")},
        "alerting": {"shipped_rules": False, "incidents": {}}, "reports": {"enabled": False},
    }, CollectorConfig)
    collector = Collector(config)
    await collector.start()
    try:
        app = collector._http_runner.app
        assert undocumented_routes(app) == []
        paths = openapi_document(app)["paths"]
        for path in ("/api/v1/incidents", "/api/v1/entities", "/api/v1/reports/monthly", "/api/v1/login"):
            assert path in paths
    finally:
        await collector.stop()
