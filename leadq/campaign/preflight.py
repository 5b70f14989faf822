"""Render every step of a new campaign for sample leads before it is stored.

A template can parse and still fail for every lead (``{{ lead.nmae }}``, a
method the sandbox refuses, ``audit.score`` when leads may have no audit).
Rendering each step at `campaign create` turns that into one error naming the
template, instead of a campaign whose every message fails.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, Numeric

from leadq.campaign.spec import CampaignSpec
from leadq.errors import UserError, ValidationFailed
from leadq.mail.headers import parse_sender
from leadq.mail.templates import TemplateSource, render
from leadq.mail.variables import SAMPLE_DEMO, SAMPLE_LEAD, template_variables
from leadq.pagespeed.models import Audit


def sample_audits(spec: CampaignSpec) -> list[dict[str, Any] | None]:
    """The audits a lead of this audience may have: none (unless the audience needs one), a full one."""
    needs_audit = spec.audience.min_audit_score is not None or spec.audience.max_performance_score is not None
    samples: list[dict[str, Any] | None] = [] if needs_audit else [None]
    samples.append(
        {
            column.name: 50 if isinstance(column.type, Integer | Float | Numeric) else "sample"
            for column in Audit.__table__.columns
        }
    )
    return samples


def check_templates_render(spec: CampaignSpec, templates: list[TemplateSource]) -> None:
    """UserError naming the step and template when one cannot render for a sample lead."""
    sender_name = parse_sender(spec.sender).display_name if spec.sender else "Sample Sender"
    for number, (step, template) in enumerate(zip(spec.steps, templates, strict=True), start=1):
        for audit in sample_audits(spec):
            variables = template_variables(
                SAMPLE_LEAD,
                audit=audit,
                campaign_name=spec.name,
                sender_name=sender_name,
                step_number=number,
                demo=SAMPLE_DEMO,
            )
            try:
                render(template, variables)
            except ValidationFailed as exc:
                when = "with no audit" if audit is None else "with an audit"
                raise UserError(
                    f"step {number} ({step.template}) fails for a sample lead {when}: {exc}"
                ) from None
