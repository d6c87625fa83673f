"""metric summary generations

Each recount of the summary gets a generation that is never reused, written on the rows it makes,
so that an answer worked out earlier can be known to be still exact (adapters.metric_answers).
Rows already built count as generation 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 21:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_summary_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('metric_summary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generation', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("INSERT INTO metric_summary_generation (id, value) VALUES (1, 0)")


def downgrade() -> None:
    with op.batch_alter_table('metric_summary', schema=None) as batch_op:
        batch_op.drop_column('generation')
    op.drop_table('metric_summary_generation')
