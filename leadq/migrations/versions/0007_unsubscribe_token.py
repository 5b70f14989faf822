"""mail: opaque unsubscribe tokens (the link no longer carries the address)

Revision ID: 0007_unsubscribe_token
Revises: 0005_mail
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_unsubscribe_token"
down_revision = "0005_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unsubscribe_token",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("lead_id", sa.Integer),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unsubscribe_token")
