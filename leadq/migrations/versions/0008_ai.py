"""ai: lead fit scores, outcomes and conversion probability, model call log, answer cache

Revision ID: 0008_ai
Revises: 0002_leads
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_ai"
down_revision = "0002_leads"
branch_labels = None
depends_on = None

SCORE_COLUMNS = (
    "ai_score",
    "ai_engine",
    "ai_reasons",
    "ai_summary",
    "ai_scored_at",
    "outcome",
    "outcome_at",
    "ai_conversion",
)


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("ai_score", sa.Integer, nullable=True))
        batch.add_column(sa.Column("ai_engine", sa.String(16), nullable=True))
        batch.add_column(sa.Column("ai_reasons", sa.JSON, nullable=True))
        batch.add_column(sa.Column("ai_summary", sa.Text, nullable=True))
        batch.add_column(sa.Column("ai_scored_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(8), nullable=True))
        batch.add_column(sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ai_conversion", sa.Float, nullable=True))
    op.create_index("ix_lead_ai_score", "lead", ["ai_score"])
    op.create_table(
        "ai_call",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_version", sa.Integer, nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("job_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("task", "model", "job_id", "created_at"):
        op.create_index(f"ix_ai_call_{column}", "ai_call", [column])
    op.create_table(
        "ai_cache",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("prompt_version", sa.Integer, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("task", "prompt_version", "model", "input_hash", name="uq_ai_cache_key"),
    )


def downgrade() -> None:
    op.drop_table("ai_cache")
    op.drop_table("ai_call")
    op.drop_index("ix_lead_ai_score", "lead")
    with op.batch_alter_table("lead") as batch:
        for column in SCORE_COLUMNS:
            batch.drop_column(column)
