"""demo: demo sites per lead, and views of published demos

Revision ID: 0008_demo
Revises: 0002_leads
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_demo"
down_revision = "0002_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.Integer, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("work_dir", sa.String(1000), nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("public_url", sa.String(2000)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_demo_lead_id", "demo", ["lead_id"])
    op.create_index("ix_demo_token", "demo", ["token"], unique=True)
    op.create_index("ix_demo_created_at", "demo", ["created_at"])
    op.create_table(
        "demo_view",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("demo_id", sa.Integer, sa.ForeignKey("demo.id"), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent", sa.String(16), nullable=False),
        sa.Column("visitor", sa.String(16), nullable=False),
    )
    op.create_index("ix_demo_view_demo_id", "demo_view", ["demo_id"])
    op.create_index("ix_demo_view_viewed_at", "demo_view", ["viewed_at"])


def downgrade() -> None:
    op.drop_table("demo_view")
    op.drop_table("demo")
