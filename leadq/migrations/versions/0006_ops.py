"""ops: the user-schedule table APScheduler's SQLAlchemy job store uses

Revision ID: 0006_ops
Revises: 0001_core
Create Date: 2026-11-21

APScheduler would create it on first use, but two schedulers starting at once
on a fresh database both try (and one fails); a migration creates it once.
Same columns as APScheduler 3's SQLAlchemyJobStore.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ops"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("leadq_user_schedule"):
        return  # created earlier by APScheduler itself: same columns
    op.create_table(
        "leadq_user_schedule",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_leadq_user_schedule_next_run_time", "leadq_user_schedule", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("leadq_user_schedule")
