"""inbox: inbound_message.classifier, which classifier decided (rules or the AI engine)

Revision ID: 0011_inbox_classifier
Revises: 0010_inbox_content_key
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_inbox_classifier"
down_revision = "0010_inbox_content_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.add_column(sa.Column("classifier", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.drop_column("classifier")
