"""postcodes from the ONS Postcode Directory

Revision ID: e19a3a2b4d03
Revises: e19a2f1e3c02
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e19a3a2b4d03'
down_revision = 'e19a2f1e3c02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('postcode',
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=4), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('local_authority', sa.String(length=9), nullable=False),
    sa.PrimaryKeyConstraint('postcode', name=op.f('pk_postcode'))
    )
    with op.batch_alter_table('postcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postcode_district'), ['district'], unique=False)


def downgrade():
    with op.batch_alter_table('postcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postcode_district'))

    op.drop_table('postcode')
