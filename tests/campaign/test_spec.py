"""Campaign files: valid ones load with their templates, bad ones say what is wrong."""

from __future__ import annotations

import pytest

from leadq.campaign.spec import load_campaign
from leadq.errors import UserError
from tests.campaign_factory import write_campaign


def test_a_valid_campaign_file_loads_with_each_steps_template(tmp_path):
    path = write_campaign(tmp_path, extra='from = "Ada <ada@studio.example>"\ntimezone = "America/Chicago"')
    spec, templates, text = load_campaign(path)
    assert spec.name == "Plumbers" and spec.sender == "Ada <ada@studio.example>"
    assert [s.delay_days for s in spec.steps] == [0, 3]
    assert templates[1].subject == "Following up, {{ lead.name }}"
    assert "[audience]" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('timezone = "Mars/Olympus"', "timezone: unknown timezone 'Mars/Olympus'"),
        ('from = "not an address"', "from: not a usable sender"),
        ("daily_cap = 0", "daily_cap: Input should be greater than or equal to 1"),
        ("colour = 3", "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_field_is_named_in_one_clear_line(tmp_path, extra, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        load_campaign(write_campaign(tmp_path, extra=extra))


def test_a_window_that_ends_before_it_starts_is_refused(tmp_path):
    with pytest.raises(UserError, match="window: window start must be before end"):
        load_campaign(write_campaign(tmp_path, hours="17, end = 9"))


def test_a_campaign_without_steps_is_refused(tmp_path):
    with pytest.raises(UserError, match="steps: Field required"):
        load_campaign(write_campaign(tmp_path, steps="# none"))


def test_a_missing_template_file_is_named(tmp_path):
    with pytest.raises(UserError, match="template file not found: .*nope.toml"):
        load_campaign(write_campaign(tmp_path, steps='[[steps]]\ntemplate = "nope.toml"\n'))


def test_a_template_syntax_error_is_reported_when_the_campaign_is_created(tmp_path):
    path = write_campaign(tmp_path)
    (tmp_path / "intro.toml").write_text('subject = "Hi {{ lead.name"\ntext = "x"\n')
    with pytest.raises(UserError, match="intro.toml: subject has a template error"):
        load_campaign(path)


def test_an_audience_without_email_is_refused(tmp_path):
    path = write_campaign(tmp_path)
    path.write_text(path.read_text().replace('source = "craigslist"', "has_email = false"))
    with pytest.raises(
        UserError, match="audience.has_email: a campaign can only reach leads that have an email"
    ):
        load_campaign(path)


def test_invalid_toml_is_a_user_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("name = ")
    with pytest.raises(UserError, match="not valid TOML"):
        load_campaign(path)


@pytest.mark.parametrize(
    ("where", "line", "message"),
    [
        ("step", "delay_days = inf", "steps.0.delay_days: Input should be a finite number"),
        ("step", "delay_days = nan", "steps.0.delay_days: Input should be a finite number"),
        ("step", "delay_days = 1e308", "steps.0.delay_days: Input should be less than or equal to 365"),
        ("step", "delay_days = -1", "steps.0.delay_days: Input should be greater than or equal to 0"),
        ("top", "daily_cap = 9223372036854775808", "daily_cap: Input should be less than or equal to"),
        ("top", "window = { start = 9, end = 99 }", "window.end: Input should be less than or equal to 24"),
        ("audience", "min_audit_score = -inf", "audience.min_audit_score: Input should be a finite number"),
        ("audience", "max_performance_score = 1e9", "audience.max_performance_score: Input should be less"),
        ("audience", "not_contacted_days = 99999999999", "audience.not_contacted_days: Input should be less"),
    ],
)
def test_every_number_of_a_campaign_file_is_range_checked_at_load(tmp_path, where, line, message):
    step = '[[steps]]\ntemplate = "intro.toml"\n'
    if where == "step":
        path = write_campaign(tmp_path, steps=step + line + "\n")
    elif where == "audience":
        path = write_campaign(tmp_path, steps=line + "\n\n" + step)
    else:
        path = write_campaign(tmp_path, steps=step)
        text = path.read_text()
        path.write_text(
            line + "\n" + text.split("\n", 2)[2] if line.startswith("window") else line + "\n" + text
        )
    with pytest.raises(UserError, match=message) as raised:
        load_campaign(path)
    assert "\n" not in str(raised.value)
