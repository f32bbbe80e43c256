"""Stable UUIDs for organisations and listings, the identifiers ORUK feeds publish.

Revision ID: d41c7a0e5b21
Revises: ca13251e9de3
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "d41c7a0e5b21"
down_revision = "ca13251e9de3"
branch_labels = None
depends_on = None

TABLES = ("organisation", "service")


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("uid", sa.String(length=36), nullable=True))
        rows = connection.execute(sa.text(f"SELECT id FROM {table}")).all()
        for (row_id,) in rows:
            connection.execute(sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
                               {"uid": str(uuid.uuid4()), "id": row_id})
        with op.batch_alter_table(table) as batch:
            batch.alter_column("uid", existing_type=sa.String(length=36), nullable=False)
            batch.create_unique_constraint(f"uq_{table}_uid", ["uid"])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_uid", type_="unique")
            batch.drop_column("uid")
