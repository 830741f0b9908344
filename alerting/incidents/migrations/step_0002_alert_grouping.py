"""Step 2: the grouping key of alert-opened incidents, the incident a recurrence follows, the SLA breach reason.

SQLAlchemy Core has no ADD COLUMN construct; ``ALTER TABLE … ADD COLUMN name type`` is the one form SQLite and
PostgreSQL share, with the type compiled by the connection's dialect. The timeline's ``kind`` column is a
plain VARCHAR(32) without a CHECK constraint (step 1), so the new kinds (escalated, linked, breach_reason)
need no schema change.
"""

import sqlalchemy as sa


def upgrade(connection: sa.Connection) -> None:
    incidents = sa.Table(
        "incidents", sa.MetaData(),
        sa.Column("group_key", sa.String(500)),
        sa.Column("related_incident", sa.String(20)),
        sa.Column("breach_reason", sa.Text),
    )
    for column in incidents.columns:
        _add_column(connection, incidents.name, column)
    sa.Index("ix_incidents_group_key", incidents.c.group_key).create(connection)


def _add_column(connection: sa.Connection, table: str, column: sa.Column) -> None:
    preparer = connection.dialect.identifier_preparer
    column_type = column.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(
        f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(column.name)} {column_type}")
