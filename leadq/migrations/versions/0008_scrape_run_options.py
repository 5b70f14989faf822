"""scrape: scrape_run.options (a run's job options, stored once instead of sent with every job)

Revision ID: 0008_scrape_run_options
Revises: 0003_scrape
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_scrape_run_options"
down_revision = "0003_scrape"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scrape_run", sa.Column("options", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("scrape_run") as batch:
        batch.drop_column("options")
