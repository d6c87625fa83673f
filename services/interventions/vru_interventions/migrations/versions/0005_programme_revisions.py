"""programme revisions

Each programme counts its states, and its events carry the count, so that consumers can tell an
older state arriving late from the newest. A programme already here starts at 1.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 21:50:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('revision')
