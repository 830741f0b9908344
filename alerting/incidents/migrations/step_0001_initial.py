"""Step 1: the fault-handling form, its affected assets, linked alerts, audit timeline and id sequence."""

import sqlalchemy as sa
from itops.alerting.incidents.model import UtcDateTime


def upgrade(connection: sa.Connection) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "incidents", metadata,
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("reporter", sa.String(100), nullable=False),
        sa.Column("assignee", sa.String(100), index=True),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("cause", sa.Text),
        sa.Column("resolution", sa.Text),
        sa.Column("vendor_ticket", sa.String(100)),
        sa.Column("signed_off_by", sa.String(100)),
        sa.Column("signed_off_at", UtcDateTime),
        sa.Column("opened_at", UtcDateTime, nullable=False, index=True),
        sa.Column("acknowledged_at", UtcDateTime),
        sa.Column("resolved_at", UtcDateTime),
        sa.Column("closed_at", UtcDateTime),
        sa.Column("source", sa.String(32), nullable=False),
    )
    sa.Table(
        "incident_assets", metadata,
        sa.Column("incident_id", sa.String(20), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("asset_number", sa.String(100)),
    )
    sa.Table(
        "incident_alerts", metadata,
        sa.Column("incident_id", sa.String(20), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True, index=True),
        sa.Column("attached_at", UtcDateTime, nullable=False),
    )
    sa.Table(
        "incident_timeline", metadata,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(20), sa.ForeignKey("incidents.id"), nullable=False, index=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_value", sa.String(100)),
        sa.Column("to_value", sa.String(100)),
        sa.Column("text", sa.Text),
    )
    sa.Table(
        "incident_sequence", metadata,
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    metadata.create_all(connection)
