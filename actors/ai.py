"""AI actors (queue ``ai``): score one lead, or fan scoring out over many."""

from __future__ import annotations

from dramatiq.middleware import CurrentMessage

from leadq.ai.engine import ModelCall
from leadq.ai.limits import AiLimits
from leadq.ai.score_service import leads_to_score, score_lead
from leadq.core.broker import actor, current_broker
from leadq.core.enqueue import send_many
from leadq.db import session_scope


def model_call(*, refresh: bool = False) -> ModelCall:
    """A ``ModelCall`` for the running job: its id, and limits shared through the broker's backend.

    The one place AI actors read engine state.
    """
    broker = current_broker()
    settings = broker.leadq_settings
    limits = AiLimits(settings, broker.leadq_rate_limiter_backend, settings.namespace)
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


@actor(queue="ai", max_retries=3, time_limit=120)
def batch_analyze_leads(
    lead_ids: list[int] | None = None, unscored: bool = False, refresh: bool = False
) -> None:
    """Enqueue `analyze_lead` for the given leads, or every lead (only unscored ones with ``unscored``)."""
    if lead_ids is None:
        with session_scope(current_broker().leadq_settings) as session:
            lead_ids = leads_to_score(session=session, unscored=unscored)
    if lead_ids:
        send_many(analyze_lead, [((lead_id,), {"refresh": refresh}) for lead_id in lead_ids])
