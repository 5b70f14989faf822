"""The model-server check for `leadq doctor`: does the configured endpoint answer, with the model?"""

from __future__ import annotations

from leadq.doctor import Check
from leadq.errors import LeadqError
from leadq.redact import mask_url
from leadq.settings import Settings


def check_ai(settings: Settings) -> Check:
    """skip for the rules engine; ok when the server lists the model, warn when it does not list it
    (some gateways list only a few), fail when it cannot be reached or refuses the key."""
    if settings.ai_engine != "openai":
        return Check("ai", "skip", "rules engine (LEADQ_AI_ENGINE=rules): no model server needed")
    from leadq.ai.llm import list_models

    where = f"{mask_url(settings.ai_base_url)} ({settings.ai_model})"
    try:
        models = list_models(settings)
    except LeadqError as exc:
        return Check("ai", "fail", str(exc))
    if settings.ai_model not in models:
        listed = ", ".join(models[:5]) or "none"
        return Check("ai", "warn", f"{where}: reachable, but it does not list the model (it lists: {listed})")
    return Check("ai", "ok", f"{where}: reachable, model available")
