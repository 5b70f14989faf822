"""core: job history tables

Revision ID: 0001_core
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("args_summary", sa.String(512), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("unique_key", sa.String(255)),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("enqueued_at", sa.Float),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("duration_ms", sa.Float),
        sa.Column("error_type", sa.String(128)),
        sa.Column("error_message", sa.String(2000)),
        sa.Column("worker", sa.String(128)),
        sa.Column("updated_at", sa.Float, nullable=False, server_default="0"),
    )
    op.create_index("ix_job_actor", "job", ["actor"])
    op.create_index("ix_job_queue", "job", ["queue"])
    op.create_index("ix_job_state", "job", ["state"])
    op.create_index("ix_job_parent_id", "job", ["parent_id"])
    op.create_index("ix_job_enqueued_at", "job", ["enqueued_at"])
    op.create_table(
        "job_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("error_type", sa.String(128)),
        sa.Column("error_message", sa.String(2000)),
    )
    op.create_index("ix_job_event_job_id", "job_event", ["job_id"])


def downgrade() -> None:
    op.drop_table("job_event")
    op.drop_table("job")
