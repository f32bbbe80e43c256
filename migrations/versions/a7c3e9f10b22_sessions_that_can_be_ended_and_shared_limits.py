"""sessions that can be ended, shared rate limits, sign-in failures, server-side shortlist notes

Revision ID: a7c3e9f10b22
Revises: 5c2f0a9d7e14
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f10b22'
down_revision = '5c2f0a9d7e14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    op.create_table('rate_limit_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter'))
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counter_expires_at'), ['expires_at'], unique=False)
    op.create_table('sign_in_failure',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('email', 'address', name=op.f('pk_sign_in_failure'))
    )
    op.create_table('shortlist_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_shortlist_note_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_shortlist_note_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_note')),
    sa.UniqueConstraint('holder', 'service_id', name=op.f('uq_shortlist_note_holder'))
    )
    with op.batch_alter_table('shortlist_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_note_holder'), ['holder'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_note_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('shortlist_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_note_user_id'))
        batch_op.drop_index(batch_op.f('ix_shortlist_note_holder'))
    op.drop_table('shortlist_note')
    op.drop_table('sign_in_failure')
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counter_expires_at'))
    op.drop_table('rate_limit_counter')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
