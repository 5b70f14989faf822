"""ai: the answer of each extract, classify, write and draft-reply job

Revision ID: 0011_ai_result
Revises: 0010_lead_reply_outcome
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ai_result"
down_revision = "0010_lead_reply_outcome"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_result",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ai_result_created_at", "ai_result", ["created_at"])


def downgrade() -> None:
    op.drop_table("ai_result")
