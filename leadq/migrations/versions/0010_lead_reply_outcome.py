"""leads: when a lead replied and what it said, and which label its conversion probability is for

Revision ID: 0010_lead_reply_outcome
Revises: 0008_ai
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_lead_reply_outcome"
down_revision = "0008_ai"
branch_labels = None
depends_on = None

COLUMNS = ("replied_at", "reply_verdict", "ai_conversion_label")


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reply_verdict", sa.String(16), nullable=True))
        batch.add_column(sa.Column("ai_conversion_label", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
