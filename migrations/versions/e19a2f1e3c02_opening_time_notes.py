"""opening times that cross midnight and carry a note

Revision ID: e19a2f1e3c02
Revises: e19a1c0d2b01
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e19a2f1e3c02'
down_revision = 'e19a1c0d2b01'
branch_labels = None
depends_on = None


def upgrade():
    # Overnight times (closes before it opens: the next morning) need no column; the note does.
    with op.batch_alter_table('opening_time', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('opening_time', schema=None) as batch_op:
        batch_op.drop_column('note')
