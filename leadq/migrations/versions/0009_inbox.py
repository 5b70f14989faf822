"""inbox: inbound_message, every message read from the IMAP folder

Revision ID: 0009_inbox
Revises: 0005_mail
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_inbox"
down_revision = "0005_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("uid", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.String(400)),
        sa.Column("from_email", sa.String(320)),
        sa.Column("subject", sa.String(500)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(32)),
        sa.Column("recipient", sa.String(320)),
        sa.Column("reason", sa.String(1000)),
        sa.Column("outbound_id", sa.Integer),
        sa.Column("lead_id", sa.Integer),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("action", sa.String(500)),
        sa.Column("body", sa.String(20000)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_inbound_message_uid"),
    )
    for column in ("kind", "outbound_id", "lead_id", "campaign_id", "received_at"):
        op.create_index(f"ix_inbound_message_{column}", "inbound_message", [column])


def downgrade() -> None:
    op.drop_table("inbound_message")
