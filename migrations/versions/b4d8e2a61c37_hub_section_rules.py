"""hub sections' rules narrowed by kind and by categories and audiences left out; sections' own addresses

Revision ID: b4d8e2a61c37
Revises: a7c3e9f10b22
Create Date: 2026-12-02 21:45:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d8e2a61c37'
down_revision = 'a7c3e9f10b22'
branch_labels = None
depends_on = None

COLUMNS = ('kinds', 'except_categories', 'except_audiences')


def _slug(title, taken):
    """As app.hubs.models.section_slug was when this was written (a migration does not import the app)."""
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:70] or "section"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def upgrade():
    with op.batch_alter_table('hub_section', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('slug', sa.String(length=80), server_default='', nullable=False))
    connection = op.get_bind()
    taken = {}
    rows = connection.execute(sa.text('SELECT id, hub_id, title FROM hub_section ORDER BY hub_id, position, id'))
    for section_id, hub_id, title in rows.all():
        slug = _slug(title, taken.setdefault(hub_id, set()))
        taken[hub_id].add(slug)
        connection.execute(sa.text('UPDATE hub_section SET slug = :slug WHERE id = :id'),
                           {'slug': slug, 'id': section_id})
    with op.batch_alter_table('hub_section', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_hub_section_hub_id'), ['hub_id', 'slug'])


def downgrade():
    with op.batch_alter_table('hub_section', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_hub_section_hub_id'), type_='unique')
        batch_op.drop_column('slug')
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
