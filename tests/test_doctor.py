"""`leadq doctor`'s configuration checks that need no service: the User-Agent's contact."""

from __future__ import annotations

import pytest

from leadq.ops.doctor import check_user_agent
from leadq.settings import Settings


def test_the_shipped_user_agent_is_flagged_as_a_placeholder_naming_the_setting():
    shipped = Settings.model_fields["user_agent"].default
    check = check_user_agent(Settings(user_agent=shipped))
    assert (check.name, check.status) == ("user-agent", "warn")
    assert "LEADQ_USER_AGENT" in check.detail and "placeholder contact example.invalid" in check.detail


@pytest.mark.parametrize(
    "agent",
    [
        "leadq/0.1 (+mailto:ops@example.com)",
        "leadq/0.1 (+https://studio.example/bot)",
        "leadq/0.1 (+https://bot.test)",
    ],
)
def test_reserved_example_domains_are_placeholders(agent):
    assert check_user_agent(Settings(user_agent=agent)).status == "warn"


def test_a_user_agent_without_any_contact_is_flagged():
    check = check_user_agent(Settings(user_agent="leadq/0.1"))
    assert check.status == "warn" and "no contact URL or email" in check.detail


@pytest.mark.parametrize(
    ("agent", "contact"),
    [
        ("leadq/0.1 (+https://greenleaf-studio.com/bot; lead research bot)", "greenleaf-studio.com"),
        ("leadq/0.1 (+mailto:ops@greenleaf-studio.com)", "greenleaf-studio.com"),
        ("leadq/0.1 (+https://examples.org/bot)", "examples.org"),  # a real domain, not example.org
    ],
)
def test_a_real_contact_passes_and_is_shown(agent, contact):
    check = check_user_agent(Settings(user_agent=agent))
    assert (check.status, check.detail) == ("ok", f"contact: {contact}")
