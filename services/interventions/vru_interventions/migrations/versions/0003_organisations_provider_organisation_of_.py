"""organisations, provider organisation of programmes, audit trail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:34:37.755843

Programmes are now run by a provider organisation registered with the identity service, which
alone sees their enrolments. A programme made before this revision had only a provider's name,
which cannot be matched to an organisation safely: it keeps the name and gets no organisation,
so its enrolments are seen by no provider until an administrator names one (PATCH
provider_organisation_id). The audit trail is append-only on PostgreSQL.
"""

from alembic import op
import sqlalchemy as sa
import vru_shared.db
from vru_shared.audit import APPEND_ONLY_STATEMENTS, DROP_APPEND_ONLY_STATEMENTS


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_trail',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', vru_shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('client_id', sa.String(length=100), nullable=True),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('role', sa.String(length=40), nullable=True),
    sa.Column('action', sa.Enum('read', 'list', 'create', 'update', 'erase', name='auditaction', native_enum=False, length=40), nullable=False),
    sa.Column('resource_type', sa.String(length=60), nullable=False),
    sa.Column('resource_id', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.Enum('allowed', 'denied', 'not_found', name='auditoutcome', native_enum=False, length=40), nullable=False),
    sa.Column('correlation_id', sa.String(length=128), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_trail', schema=None) as batch_op:
        batch_op.create_index('ix_audit_trail_organisation', ['organisation_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_trail_resource', ['resource_type', 'resource_id'], unique=False)
        batch_op.create_index('ix_audit_trail_time', ['occurred_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_STATEMENTS:
            op.execute(statement)

    op.create_table('organisations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum('referrer', 'provider', 'vru', 'administrator', name='organisationrole', native_enum=False, length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.create_index('ix_known_referrals_subject', ['subject_pseudonym'], unique=False)

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_organisation_id', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_programmes_provider_organisation', ['provider_organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index('ix_programmes_provider_organisation')
        batch_op.drop_column('provider_organisation_id')

    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_known_referrals_subject')

    op.drop_table('organisations')
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP_APPEND_ONLY_STATEMENTS:
            op.execute(statement)
    with op.batch_alter_table('audit_trail', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_trail_time')
        batch_op.drop_index('ix_audit_trail_resource')
        batch_op.drop_index('ix_audit_trail_organisation')

    op.drop_table('audit_trail')
