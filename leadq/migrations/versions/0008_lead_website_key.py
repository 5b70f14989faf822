"""leads: website_key, the merge key from the Public Suffix List and shared hosts

Revision ID: 0008_lead_website_key
Revises: 0002_leads
Create Date: 2026-12-02

Leads stored before this merged on ``website_domain`` (the host without
``www.``); their keys are computed here from the stored website, so a new
listing still merges with them.
"""

import sqlalchemy as sa
from alembic import op

from leadq.leads.website_keys import website_key

revision = "0008_lead_website_key"
down_revision = "0002_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lead", sa.Column("website_key", sa.String(500)))
    op.create_index("ix_lead_website_key", "lead", ["website_key"])
    lead = sa.table(
        "lead", sa.column("id", sa.Integer), sa.column("website", sa.String), sa.column("website_key")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(lead.c.id, lead.c.website).where(lead.c.website.is_not(None))).all()
    for lead_id, website in rows:
        key = website_key(website)
        if key:
            bind.execute(sa.update(lead).where(lead.c.id == lead_id).values(website_key=key))


def downgrade() -> None:
    op.drop_index("ix_lead_website_key", "lead")
    op.drop_column("lead", "website_key")
