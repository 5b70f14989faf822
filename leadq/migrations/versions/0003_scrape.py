"""scrape: scrape_run table (progress and summary of each search scrape)

Revision ID: 0003_scrape
Revises: 0002_leads
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_scrape"
down_revision = "0002_leads"
branch_labels = None
depends_on = None

COUNTERS = ("pages", "listings", "new", "updated", "merged", "unchanged", "skipped", "errors")


def upgrade() -> None:
    op.create_table(
        "scrape_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(64)),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("site", sa.String(100)),
        sa.Column("category", sa.String(100)),
        sa.Column("query", sa.String(500)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message", sa.String(2000)),
        *[sa.Column(name, sa.Integer, nullable=False) for name in COUNTERS],
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_scrape_run_job_id", "scrape_run", ["job_id"])
    op.create_index("ix_scrape_run_created_at", "scrape_run", ["created_at"])


def downgrade() -> None:
    op.drop_table("scrape_run")
