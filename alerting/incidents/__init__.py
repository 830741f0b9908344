"""Incident records (故障处理单): lifecycle, audit timeline, storage on SQLite or PostgreSQL."""

from itops.alerting.incidents.model import (
    TRANSITIONS,
    AffectedAsset,
    Category,
    Incident,
    IncidentState,
    Source,
    TimelineEntry,
    TimelineKind,
)
from itops.alerting.incidents.store import (
    ALERTING,
    IllegalTransition,
    IncidentClosed,
    IncidentError,
    IncidentStore,
    NoSuchIncident,
)

__all__ = [
    "ALERTING", "TRANSITIONS", "AffectedAsset", "Category", "IllegalTransition", "Incident", "IncidentClosed", "IncidentError", "IncidentState",
    "IncidentStore", "NoSuchIncident", "Source", "TimelineEntry", "TimelineKind",
]
