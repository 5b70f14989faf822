"""inbox: inbound_message.content_key (the message itself as a key) and inbound_copy

Revision ID: 0010_inbox_content_key
Revises: 0009_inbox
Create Date: 2026-12-02

Rows recorded before keep working: the first row of each Message-ID gets it
as its key (a UIDVALIDITY reset before this revision may have recorded a
message twice; the later copies stay without a key). Rows without a
Message-ID get none: their bytes were not kept.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_inbox_content_key"
down_revision = "0009_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.add_column(sa.Column("content_key", sa.String(400)))
    op.execute(
        "UPDATE inbound_message SET content_key = message_id WHERE id IN "
        "(SELECT min(id) FROM inbound_message WHERE message_id IS NOT NULL GROUP BY message_id)"
    )
    with op.batch_alter_table("inbound_message") as batch:
        batch.create_unique_constraint("uq_inbound_message_content_key", ["content_key"])
    op.create_table(
        "inbound_copy",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("uid", sa.BigInteger, nullable=False),
        sa.Column("inbound_id", sa.Integer, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_inbound_copy_uid"),
    )
    op.create_index("ix_inbound_copy_inbound_id", "inbound_copy", ["inbound_id"])


def downgrade() -> None:
    op.drop_table("inbound_copy")
    with op.batch_alter_table("inbound_message") as batch:
        batch.drop_constraint("uq_inbound_message_content_key", type_="unique")
        batch.drop_column("content_key")
