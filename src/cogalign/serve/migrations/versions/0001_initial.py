"""The first schema: settings, studies, sessions, trials, events.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    """Create the tables of the first schema."""
    op.create_table(
        "settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "studies",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("definition_hash", sa.String(32), primary_key=True),
        sa.Column("paradigm", sa.String(32), nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("created_utc", sa.String(32), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(64), nullable=False),
        sa.Column("participant", sa.String(64), nullable=False),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("definition_hash", sa.String(32), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_study_id", sa.String(64), nullable=True),
        sa.Column("platform_session_id", sa.String(64), nullable=True),
        sa.Column("n_trials", sa.Integer, nullable=False),
        sa.Column("started_utc", sa.String(32), nullable=False),
        sa.Column("finished_utc", sa.String(32), nullable=True),
        sa.UniqueConstraint("study", "participant", "session", name="uq_sessions_key"),
    )
    op.create_table(
        "trials",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(64), nullable=False),
        sa.Column("participant", sa.String(64), nullable=False),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("is_practice", sa.Boolean, nullable=False),
        sa.Column("is_attention_check", sa.Boolean, nullable=False),
        sa.Column("attention_failed", sa.Boolean, nullable=False),
        sa.Column("row", sa.Text, nullable=False),
        sa.Column("received_utc", sa.String(32), nullable=False),
        sa.UniqueConstraint("study", "participant", "session", "trial", name="uq_trials_key"),
    )
    op.create_table(
        "events",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(64), nullable=False),
        sa.Column("participant", sa.String(64), nullable=False),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("time_utc", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_events_session", "events", ["study", "participant", "session"])


def downgrade() -> None:
    """Drop the tables of the first schema."""
    op.drop_index("ix_events_session", table_name="events")
    for name in ("events", "trials", "sessions", "studies", "settings"):
        op.drop_table(name)
