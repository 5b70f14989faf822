"""mail and campaign: campaigns, steps, outbound messages, suppression, unsubscribes, metrics

Revision ID: 0005_mail
Revises: 0002_leads
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_mail"
down_revision = "0002_leads"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("reply_to", sa.String(320)),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("window_start", sa.Integer, nullable=False),
        sa.Column("window_end", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64)),
        sa.Column("daily_cap", sa.Integer),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("launch_at", _tz()),
        sa.Column("source_text", sa.Text, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_campaign_state", "campaign", ["state"])
    op.create_table(
        "campaign_step",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("delay_days", sa.Float, nullable=False),
        sa.Column("template_name", sa.String(300), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text),
        sa.UniqueConstraint("campaign_id", "number", name="uq_campaign_step_number"),
    )
    op.create_index("ix_campaign_step_campaign_id", "campaign_step", ["campaign_id"])
    op.create_table(
        "campaign_step_stats",
        sa.Column("step_id", sa.Integer, sa.ForeignKey("campaign_step.id"), primary_key=True),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("audience", "queued", "sent", "failed", "skipped", "unsubscribed", "unknown")
        ),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_campaign_step_stats_campaign_id", "campaign_step_stats", ["campaign_id"])
    op.create_table(
        "campaign_daily",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("sent", "failed", "skipped", "unsubscribed")
        ),
        sa.UniqueConstraint("campaign_id", "day", name="uq_campaign_daily_day"),
    )
    op.create_index("ix_campaign_daily_campaign_id", "campaign_daily", ["campaign_id"])
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("step_id", sa.Integer, sa.ForeignKey("campaign_step.id"), nullable=False),
        sa.Column("step_number", sa.Integer, nullable=False),
        sa.Column("lead_id", sa.Integer, sa.ForeignKey("lead.id"), nullable=False),
        sa.Column("to_email", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("scheduled_at", _tz(), nullable=False),
        sa.Column("enqueued_at", _tz()),
        sa.Column("claimed_at", _tz()),
        sa.Column("sent_at", _tz()),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error_kind", sa.String(16)),
        sa.Column("last_error", sa.String(2000)),
        sa.Column("message_id", sa.String(400)),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.UniqueConstraint("step_id", "lead_id", name="uq_outbound_message_step_lead"),
    )
    for column in ("campaign_id", "step_id", "lead_id", "to_email", "state", "scheduled_at", "sent_at"):
        op.create_index(f"ix_outbound_message_{column}", "outbound_message", [column])
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_table(
        "unsubscribe",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("lead_id", sa.Integer),
        sa.Column("campaign_id", sa.Integer),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    for column in ("email", "lead_id", "campaign_id"):
        op.create_index(f"ix_unsubscribe_{column}", "unsubscribe", [column])


def downgrade() -> None:
    for table in (
        "unsubscribe",
        "suppression",
        "outbound_message",
        "campaign_daily",
        "campaign_step_stats",
        "campaign_step",
        "campaign",
    ):
        op.drop_table(table)
