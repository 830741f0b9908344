from __future__ import annotations

import pytest

from itops.alerting.incidents.store import IncidentStore
from tests.unit.collector.reports.daily_day import open_incidents


@pytest.fixture
def incidents(tmp_path):
    """The hand-built day's open incidents, with their SLA clocks."""
    store = IncidentStore.open(f"sqlite:///{tmp_path / 'incidents.db'}")
    yield open_incidents(store)
    store.dispose()
