"""programme terms, referral lifecycle projection, waitlist and contacts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:07:14.666425

Programmes made before this revision get terms they never had: secondary tier, the three
referral sources there were, ages 8 to 30, no capacity limit, and active from the earliest of
their creation and their first enrolment's start (so no existing enrolment predates it).
"""

from alembic import op
import sqlalchemy as sa
import vru_shared.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_programmes = sa.table(
    'programmes',
    sa.column('id', sa.Uuid()),
    sa.column('name', sa.String()),
    sa.column('created_at', vru_shared.db.UtcDateTime(timezone=True)),
    sa.column('tier', sa.String()),
    sa.column('accepted_sources', sa.JSON()),
    sa.column('min_age', sa.Integer()),
    sa.column('max_age', sa.Integer()),
    sa.column('active_from', sa.Date()),
)
_enrolments = sa.table(
    'enrolments',
    sa.column('programme_id', sa.Uuid()),
    sa.column('referral_id', sa.Uuid()),
    sa.column('programme_name', sa.String()),
    sa.column('start_date', sa.Date()),
    sa.column('status', sa.String()),
)
_known_referrals = sa.table(
    'known_referrals',
    sa.column('referral_id', sa.Uuid()),
    sa.column('status', sa.String()),
    sa.column('source', sa.String()),
    sa.column('age_band', sa.String()),
    sa.column('subject_pseudonym', sa.String()),
    sa.column('referred_at', vru_shared.db.UtcDateTime(timezone=True)),
)


def _backfill_programmes() -> None:
    bind = op.get_bind()
    first_start = dict(bind.execute(
        sa.select(_enrolments.c.programme_id, sa.func.min(_enrolments.c.start_date))
        .group_by(_enrolments.c.programme_id)
    ).all())
    for programme_id, created_at in bind.execute(sa.select(_programmes.c.id, _programmes.c.created_at)).all():
        active_from = min(d for d in (created_at.date(), first_start.get(programme_id)) if d is not None)
        bind.execute(
            _programmes.update().where(_programmes.c.id == programme_id).values(
                tier='secondary', accepted_sources=['custody', 'emergency_department', 'school'],
                min_age=8, max_age=30, active_from=active_from,
            )
        )


def upgrade() -> None:
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.Enum('primary', 'secondary', 'tertiary', name='preventiontier', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('accepted_sources', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('min_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('active_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('active_to', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', vru_shared.db.UtcDateTime(timezone=True), nullable=True))
    _backfill_programmes()
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        for name, kind in (
            ('tier', sa.Enum('primary', 'secondary', 'tertiary', name='preventiontier', native_enum=False, length=40)),
            ('accepted_sources', sa.JSON()),
            ('min_age', sa.Integer()),
            ('max_age', sa.Integer()),
            ('active_from', sa.Date()),
        ):
            batch_op.alter_column(name, existing_type=kind, nullable=False)

    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('received', 'accepted', 'enrolled', 'declined', 'withdrawn', 'closed', name='referralstatus', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=200), nullable=True))
    # Before this revision a referral needed no acceptance: one that started an enrolment is
    # enrolled, any other is as received.
    started = sa.exists().where(
        _enrolments.c.referral_id == _known_referrals.c.referral_id,
        _enrolments.c.status.in_(['active', 'ended']),
    )
    op.execute(_known_referrals.update().where(started).values(status='enrolled'))
    op.execute(_known_referrals.update().where(_known_referrals.c.status.is_(None)).values(status='received'))
    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.Enum('received', 'accepted', 'enrolled', 'declined', 'withdrawn', 'closed', name='referralstatus', native_enum=False, length=40), nullable=False)
        # An acceptance may arrive before the referral itself, which alone carries these.
        batch_op.alter_column('subject_pseudonym', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('referred_at', existing_type=vru_shared.db.UtcDateTime(timezone=True), nullable=True)
        # Not needed here any more: kept nowhere it is not used.
        batch_op.drop_column('age_band')
        batch_op.drop_column('source')

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlisted_at', vru_shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=1000), nullable=True))
        # A programme's name can change now; it is read from the programme.
        batch_op.drop_column('programme_name')

    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('contact_at', vru_shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('face_to_face', 'phone', 'video', 'message', 'group_session', 'other', name='contactkind', native_enum=False, length=40), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('recorded_at', vru_shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_enrolment', ['enrolment_id', 'contact_at'], unique=False)


def downgrade() -> None:
    # Best effort: what the older schema cannot hold (contacts, referrals known only by a later
    # event, the new programme terms) is dropped; waiting enrolments wait for their referral again.
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_enrolment')
    op.drop_table('contacts')

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_name', sa.String(length=200), nullable=True))
        batch_op.drop_column('note')
        batch_op.drop_column('waitlisted_at')
    op.execute(_enrolments.update().values(
        programme_name=sa.select(_programmes.c.name).where(_programmes.c.id == _enrolments.c.programme_id)
        .scalar_subquery()
    ))
    op.execute(_enrolments.update().where(_enrolments.c.status.in_(['awaiting_acceptance', 'waitlisted']))
               .values(status='awaiting_referral'))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.alter_column('programme_name', existing_type=sa.String(length=200), nullable=False)

    op.execute(_known_referrals.delete().where(
        sa.or_(_known_referrals.c.subject_pseudonym.is_(None), _known_referrals.c.referred_at.is_(None))
    ))
    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('age_band', sa.String(length=20), nullable=True))
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
    op.execute(_known_referrals.update().values(source='custody', age_band='unknown'))
    with op.batch_alter_table('known_referrals', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('age_band', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('referred_at', existing_type=vru_shared.db.UtcDateTime(timezone=True), nullable=False)
        batch_op.alter_column('subject_pseudonym', existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('active_to')
        batch_op.drop_column('active_from')
        batch_op.drop_column('capacity')
        batch_op.drop_column('max_age')
        batch_op.drop_column('min_age')
        batch_op.drop_column('accepted_sources')
        batch_op.drop_column('tier')
