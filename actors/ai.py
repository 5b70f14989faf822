"""AI actors (queue ``ai``): score one lead, or fan scoring out over many."""

from __future__ import annotations

import logging

from dramatiq.middleware import CurrentMessage
from periodiq import cron

from leadq.ai.engine import ModelCall
from leadq.ai.limits import AiLimits
from leadq.ai.score_service import leads_to_score, score_lead, score_many
from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send_many
from leadq.db import session_scope
from leadq.errors import UserError

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
    """Retrain the conversion model on the leads marked won or lost, then predict every lead.

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
        "conversion model trained: held-out ROC AUC %.3f on %d labelled leads",
        report.test_roc_auc,
        report.labelled,
    )
    with session_scope(settings) as session:
        predict(settings, session=session)


@actor(queue="ai", max_retries=3, time_limit=600)
def predict_lead_conversion(lead_ids: list[int] | None = None) -> None:
    """Write the conversion model's won probability on the given leads, or on every lead."""
    from leadq.ai.conversion import predict

    settings = current_runtime().settings
    with session_scope(settings) as session:
        predict(settings, session=session, lead_ids=lead_ids)
