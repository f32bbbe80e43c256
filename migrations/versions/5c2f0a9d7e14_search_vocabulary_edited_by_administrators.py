"""search vocabulary edited by administrators

Revision ID: 5c2f0a9d7e14
Revises: fb3180846918
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2f0a9d7e14'
down_revision = 'fb3180846918'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_vocabulary',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_search_vocabulary_updated_by_id_user')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_search_vocabulary'))
    )


def downgrade():
    op.drop_table('search_vocabulary')
