"""campaign: `writer = "ai"` steps, and each message's AI body or fallback reason

Revision ID: 0009_campaign_ai_writer
Revises: 0007_unsubscribe_token
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_campaign_ai_writer"
down_revision = "0007_unsubscribe_token"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_step") as batch:
        batch.add_column(sa.Column("writer", sa.String(16), nullable=False, server_default="template"))
    with op.batch_alter_table("outbound_message") as batch:
        batch.add_column(sa.Column("body_writer", sa.String(16), nullable=True))
        batch.add_column(sa.Column("ai_body", sa.Text, nullable=True))
        batch.add_column(sa.Column("ai_rejected", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_message") as batch:
        batch.drop_column("ai_rejected")
        batch.drop_column("ai_body")
        batch.drop_column("body_writer")
    with op.batch_alter_table("campaign_step") as batch:
        batch.drop_column("writer")
