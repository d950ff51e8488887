"""Participant flows other than trial lists: their records (answers) and running states.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    """Create the tables of participant flows (records and states)."""
    op.create_table(
        "flow_records",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(64), nullable=False),
        sa.Column("participant", sa.String(64), nullable=False),
        sa.Column("session", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item", sa.String(128), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_utc", sa.String(32), nullable=False),
        sa.UniqueConstraint("study", "participant", "session", "kind", "item",
                            name="uq_flow_records_key"),
    )
    op.create_index("ix_flow_records_kind", "flow_records", ["study", "kind"])
    op.create_table(
        "flow_states",
        sa.Column("study", sa.String(64), primary_key=True),
        sa.Column("participant", sa.String(64), primary_key=True),
        sa.Column("session", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_utc", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop the tables of participant flows."""
    op.drop_table("flow_states")
    op.drop_index("ix_flow_records_kind", table_name="flow_records")
    op.drop_table("flow_records")
