"""Step 3: when a fault began (``incidents.occurred_at``), and who typed each timeline entry in and when
(``incident_timeline.entered_at`` / ``entered_by``): a step may be entered after it happened, e.g. a call
taken at night. Entries from before this step keep NULL there (they were typed in when they happened)."""

import sqlalchemy as sa
from itops.alerting.incidents.migrations.step_0002_alert_grouping import _add_column
from itops.alerting.incidents.model import UtcDateTime


def upgrade(connection: sa.Connection) -> None:
    metadata = sa.MetaData()
    incidents = sa.Table("incidents", metadata, sa.Column("occurred_at", UtcDateTime))
    timeline = sa.Table("incident_timeline", metadata, sa.Column("entered_at", UtcDateTime),
                        sa.Column("entered_by", sa.String(100)))
    for table in (incidents, timeline):
        for column in table.columns:
            _add_column(connection, table.name, column)
