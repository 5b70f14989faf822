"""AI actors (queue ``ai``): score leads, extract contact details, write emails, classify and
answer replies, train and apply the conversion model.

Actors whose answer belongs to no row (extract, write, classify, draft a reply) store it under
their job id (``leadq.ai.results``), where `leadq ai result JOB` and the waiting CLI read it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from dramatiq.middleware import CurrentMessage
from periodiq import cron

from leadq.ai.engine import ModelCall
from leadq.ai.limits import AiLimits
from leadq.ai.results import store_result
from leadq.ai.score_service import leads_to_score, score_lead, score_many
from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send_many
from leadq.db import session_scope
from leadq.errors import PermanentError, UserError, ValidationFailed

log = logging.getLogger(__name__)


def model_call(*, refresh: bool = False) -> ModelCall:
    """A ``ModelCall`` for the running job: its id, and limits shared through the broker's backend.

    The one place AI actors read engine state.
    """
    runtime = current_runtime()
    settings = runtime.settings
    limits = AiLimits(settings, runtime.rate_limiter_backend, settings.namespace)
    message = CurrentMessage.get_current_message()
    return ModelCall(
        settings,
        refresh=refresh,
        job_id=message.message_id if message else None,
        before_call=limits.before_call,
        after_call=limits.after_call,
    )


@actor(queue="ai", max_retries=5, time_limit=180, min_backoff=5, max_backoff=600)
def analyze_lead(lead_id: int, refresh: bool = False) -> None:
    """Score one lead and store the score, its engine and reasons on the lead.

    Idempotent: scoring again overwrites with the same result (model answers come from the cache
    unless ``refresh``). Over the AI budget or rate, the job is deferred, not failed.
    """
    score_lead(lead_id, model_call(refresh=refresh))


def _answer(call: ModelCall, task: str, output: dict) -> None:
    store_result(call.settings, call.job_id, task, output)


@contextmanager
def _failing_at_once():
    """Missing settings or a campaign that does not exist will not fix themselves: the job
    fails at once with the message instead of retrying."""
    try:
        yield
    except UserError as exc:
        raise PermanentError(str(exc)) from exc


@actor(queue="ai", max_retries=5, time_limit=180, min_backoff=5, max_backoff=600)
def extract_lead_info(text: str, truncated: bool = False, refresh: bool = False) -> None:
    """Business name, services, phone, email, website and city from free text (already capped
    by the sender to LEADQ_AI_MAX_INPUT_CHARS; ``truncated`` says it was cut)."""
    from leadq.ai.extract import extract
    from leadq.ai.text import InputText

    call = model_call(refresh=refresh)
    _answer(call, "extract", extract(InputText(text, truncated, len(text)), call).as_dict())


@actor(queue="ai", max_retries=5, time_limit=180, min_backoff=5, max_backoff=600)
def process_conversation(text: str, refresh: bool = False) -> None:
    """Classify a reply (an .eml or pasted text): interested, question, not_interested,
    unsubscribe, out_of_office or bounce."""
    from leadq.ai.classify import classify, parse_reply

    call = model_call(refresh=refresh)
    _answer(call, "classify", classify(parse_reply(text), call).as_dict())


@actor(queue="ai", max_retries=5, time_limit=180, min_backoff=5, max_backoff=600)
def generate_email_content(
    lead_id: int, campaign: str | None = None, step: int = 1, refresh: bool = False
) -> None:
    """Draft the email for a lead (for a campaign's step), checked by the fact guard; sends nothing."""
    from leadq.campaign.ai_preview import write_for_lead

    call = model_call(refresh=refresh)
    with _failing_at_once():
        _answer(call, "write", write_for_lead(call, lead_id, campaign=campaign, step=step))


@actor(queue="ai", max_retries=5, time_limit=180, min_backoff=5, max_backoff=600)
def generate_ai_response(
    inbound_id: int | None = None, text: str | None = None, refresh: bool = False
) -> None:
    """Draft the answer to a reply for a person to approve: an inbox message (``inbound_id``,
    with what leadq knows of the lead and the email it answers) or a reply's text. Sends nothing."""
    from leadq.ai.classify import classify, parse_reply
    from leadq.ai.replies import draft_reply
    from leadq.campaign.replies import draft_for_inbound, inbound_draft_dict
    from leadq.mail.compose import sender_of

    call = model_call(refresh=refresh)
    if inbound_id is not None:
        with _failing_at_once():
            _answer(call, "draft_reply", inbound_draft_dict(*draft_for_inbound(inbound_id, call)))
        return
    if text is None:
        raise ValidationFailed("generate_ai_response needs an inbox message id or a reply's text")
    with _failing_at_once():
        sender = sender_of(call.settings)
    reply = parse_reply(text)
    draft = draft_reply(
        reply, classify(reply, call), call, sender_name=sender.display_name or sender.addr_spec
    )
    _answer(call, "draft_reply", draft.as_dict())


@actor(queue="ai", max_retries=3, time_limit=120)
def batch_analyze_leads(
    lead_ids: list[int] | None = None, unscored: bool = False, refresh: bool = False
) -> None:
    """Score the given leads, or every lead (only unscored ones with ``unscored``).

    With a model, one `analyze_lead` job per lead (each call may wait, fail or be deferred on
    its own); with the rules engine, here in batches, as one job per lead would be all overhead.
    """
    settings = current_runtime().settings
    named = lead_ids is not None
    if lead_ids is None:
        with session_scope(settings) as session:
            lead_ids = leads_to_score(session=session, unscored=unscored)
    if settings.ai_engine == "rules":
        score_many(lead_ids, settings, must_exist=named)
    elif lead_ids:
        send_many(analyze_lead, [((lead_id,), {"refresh": refresh}) for lead_id in lead_ids])


@actor(queue="ai", max_retries=0, time_limit=1800, periodic=cron("0 4 * * 1"), misfire_grace_time=None)
def train_ml_model() -> None:
    """Retrain the conversion model on leadq's outcomes (the label chosen by "auto"), then
    predict every lead.

    Run weekly by cron. With too few labelled leads it logs why and does nothing: that is the
    normal state of a new install, not a failure.
    """
    from leadq.ai.conversion import predict, train

    settings = current_runtime().settings
    try:
        with session_scope(settings) as session:
            report = train(settings, session=session)
    except UserError as exc:
        log.info("conversion model not trained: %s", exc)
        return
    log.info(
        "conversion model trained to predict %s: held-out ROC AUC %.3f on %d labelled leads",
        report.label,
        report.test_roc_auc,
        report.labelled,
    )
    with session_scope(settings) as session:
        predict(settings, session=session)


@actor(queue="ai", max_retries=3, time_limit=600)
def predict_lead_conversion(lead_ids: list[int] | None = None) -> None:
    """Write the conversion model's probability on the given leads, or on every lead."""
    from leadq.ai.conversion import predict

    settings = current_runtime().settings
    with session_scope(settings) as session:
        predict(settings, session=session, lead_ids=lead_ids)
