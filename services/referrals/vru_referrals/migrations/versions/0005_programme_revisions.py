"""programme revisions

The revision of each programme's state kept here, so that an older state arriving late is not
applied over a newer one. Rows already here are at 0: the next event of any revision applies.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 22:05:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('revision')
