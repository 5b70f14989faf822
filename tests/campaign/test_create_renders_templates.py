"""`campaign create` renders every step for sample leads: a template failing every message is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from leadq.campaign.models import Campaign
from leadq.campaign.service import create_campaign
from leadq.db import session_scope
from leadq.errors import UserError
from tests.campaign_factory import write_campaign

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _create(settings, folder, follow_up: str, audience: str = ""):
    path = write_campaign(
        folder,
        steps=audience + '[[steps]]\ntemplate = "intro.toml"\n\n'
        '[[steps]]\ntemplate = "typo.toml"\ndelay_days = 3\n',
    )
    (folder / "typo.toml").write_text(f'subject = "Re: {{{{ lead.name }}}}"\ntext = """{follow_up}"""\n')
    with session_scope(settings) as session:
        create_campaign(path, now=NOW, session=session)


def _stored(settings) -> list[str]:
    with session_scope(settings) as session:
        return list(session.exec(select(Campaign.name)))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hi {{ lead.nmae }}", "'dict object' has no attribute 'nmae'"),
        ("Hi {{ lead.name + 1 }}", "TypeError"),
        ("Your score: {{ audit.score }}", "with no audit"),
        ("{{ lead.name.__class__.__mro__ }}", "unsafe"),
    ],
)
def test_a_step_that_cannot_render_for_a_sample_lead_is_refused_and_nothing_is_stored(
    mail_settings, tmp_path, text, reason
):
    with pytest.raises(UserError, match=r"step 2 \(typo.toml\) fails for a sample lead") as raised:
        _create(mail_settings, tmp_path / "c", text)
    assert reason in str(raised.value)
    assert _stored(mail_settings) == []


def test_audit_fields_are_fine_when_the_audience_only_reaches_audited_leads(mail_settings, tmp_path):
    _create(
        mail_settings, tmp_path / "c", "Your score: {{ audit.score }}", audience="min_audit_score = 40\n\n"
    )
    assert _stored(mail_settings) == ["Plumbers"]
