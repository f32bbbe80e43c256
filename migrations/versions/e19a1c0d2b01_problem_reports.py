"""problem reports and reminders sent

Revision ID: e19a1c0d2b01
Revises: b4d8e2a61c37
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e19a1c0d2b01'
down_revision = 'b4d8e2a61c37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'problem_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('reply_email', sa.String(length=200), nullable=True),
        sa.Column('listing', sa.JSON(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_problem_report_closed_by_id_user')),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_problem_report_service_id_service'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report')),
    )
    op.create_index(op.f('ix_problem_report_service_id'), 'problem_report', ['service_id'])
    op.create_index(op.f('ix_problem_report_status'), 'problem_report', ['status'])
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('confirmed_on', sa.Date(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_reminder_sent_service_id_service'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('service_id', 'confirmed_on', 'stage',
                            name=op.f('uq_reminder_sent_service_id')),
    )
    op.create_index(op.f('ix_reminder_sent_service_id'), 'reminder_sent', ['service_id'])


def downgrade():
    op.drop_table('reminder_sent')
    op.drop_table('problem_report')
