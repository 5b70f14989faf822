"""pagespeed: the public URL of the report published from an audit

Revision ID: 0009_audit_report_url
Revises: 0004_pagespeed
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_report_url"
down_revision = "0004_pagespeed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("report_url", sa.String(2000)))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("report_url")
