"""pagespeed: mark audits of a lead's published demo

Revision ID: 0010_audit_demo_of
Revises: 0009_audit_report_url
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_audit_demo_of"
down_revision = "0009_audit_report_url"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("demo_of_lead_id", sa.Integer()))
        batch.create_index("ix_audit_demo_of_lead_id", ["demo_of_lead_id"])
        batch.create_foreign_key("fk_audit_demo_of_lead_id_lead", "lead", ["demo_of_lead_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_constraint("fk_audit_demo_of_lead_id_lead", type_="foreignkey")
        batch.drop_index("ix_audit_demo_of_lead_id")
        batch.drop_column("demo_of_lead_id")
