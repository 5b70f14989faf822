"""pagespeed: audit table (audit history per lead)

Revision ID: 0004_pagespeed
Revises: 0002_leads
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_pagespeed"
down_revision = "0002_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("final_url", sa.String(2000)),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("strategy", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer),
        sa.Column("performance_score", sa.Integer),
        sa.Column("fcp_ms", sa.Float),
        sa.Column("lcp_ms", sa.Float),
        sa.Column("tbt_ms", sa.Float),
        sa.Column("cls", sa.Float),
        sa.Column("speed_index_ms", sa.Float),
        sa.Column("tti_ms", sa.Float),
        sa.Column("ttfb_ms", sa.Float),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("field_data", sa.JSON, nullable=True),
        sa.Column("opportunities", sa.JSON, nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("estimated", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("lead_id", "url", "score", "performance_score", "created_at"):
        op.create_index(f"ix_audit_{column}", "audit", [column])


def downgrade() -> None:
    op.drop_table("audit")
