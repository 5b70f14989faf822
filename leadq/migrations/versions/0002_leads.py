"""leads: lead and lead_source tables

Revision ID: 0002_leads
Revises: 0001_core
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_leads"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(300)),
        sa.Column("category", sa.String(200)),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(320)),
        sa.Column("emails", sa.JSON, nullable=False),
        sa.Column("website", sa.String(2000)),
        sa.Column("website_domain", sa.String(255)),
        sa.Column("address", sa.String(500)),
        sa.Column("city", sa.String(200)),
        sa.Column("region", sa.String(100)),
        sa.Column("postal_code", sa.String(20)),
        sa.Column("country", sa.String(2)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("rating", sa.Float),
        sa.Column("review_count", sa.Integer),
        sa.Column("site", sa.String(100)),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("signals", sa.JSON, nullable=False),
        sa.Column("email_status", sa.String(16), nullable=False, server_default="unknown"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("phone", "email", "website_domain", "site", "source", "created_at"):
        op.create_index(f"ix_lead_{column}", "lead", [column])
    op.create_table(
        "lead_source",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000)),
        sa.Column("title", sa.String(500)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("scraped_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_lead_source_external"),
    )
    op.create_index("ix_lead_source_lead_id", "lead_source", ["lead_id"])


def downgrade() -> None:
    op.drop_table("lead_source")
    op.drop_table("lead")
