"""Asking the model through the cache, and recording what every answer cost.

The cache key is (task, prompt version, model, input hash): the same question
is never paid for twice, and a new prompt version or model asks afresh.
Every answer, cached or not, is one ``AiCall`` row, so `leadq ai usage` shows
hit rates as well as tokens, cost and latency.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from leadq.ai import llm
from leadq.ai.models import AiCache, AiCall
from leadq.ai.prompts import Prompt
from leadq.db import session_scope
from leadq.settings import Settings

Schema = TypeVar("Schema", bound=BaseModel)


def input_hash(prompt: Prompt, schema: type[BaseModel]) -> str:
    """What the model is asked: both messages and the answer's schema."""
    payload = json.dumps(
        [prompt.system, prompt.user, schema.model_json_schema()], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def cost_usd(settings: Settings, model: str, tokens_in: int, tokens_out: int) -> float:
    """Price of one call from LEADQ_AI_PRICES (USD per million tokens); unlisted models are free."""
    price_in, price_out = settings.ai_prices.get(model, (0.0, 0.0))
    return (tokens_in * price_in + tokens_out * price_out) / 1_000_000


def cached_answer(session: Session, prompt: Prompt, model: str, digest: str) -> AiCache | None:
    query = select(AiCache).where(
        AiCache.task == prompt.task,
        AiCache.prompt_version == prompt.version,
        AiCache.model == model,
        AiCache.input_hash == digest,
    )
    return session.exec(query).first()


def ask(
    settings: Settings,
    prompt: Prompt,
    schema: type[Schema],
    *,
    refresh: bool = False,
    job_id: str | None = None,
    before_call: Callable[[], None] | None = None,
    after_call: Callable[[int, float], None] | None = None,
) -> Schema:
    """The model's validated answer to ``prompt``, from the cache unless ``refresh``.

    ``before_call`` runs only when the model is really called (budget and rate
    checks raise ``Deferred`` there); ``after_call`` gets the tokens it used and their cost.
    """
    model = settings.ai_model
    digest = input_hash(prompt, schema)
    record = AiCall(
        task=prompt.task, model=model, prompt_version=prompt.version, input_hash=digest, job_id=job_id
    )
    if not refresh:
        with session_scope(settings) as session:
            hit = cached_answer(session, prompt, model, digest)
            if hit is not None:
                record.cached = True
                session.add(record)
                return schema.model_validate(hit.output)
    if before_call is not None:
        before_call()
    try:
        completion = llm.complete(settings, prompt, schema)
    except llm.InvalidOutput as exc:
        if exc.usage is not None:
            _record(settings, record, *exc.usage, after_call=after_call)
        raise
    _record(
        settings,
        record,
        completion.tokens_in,
        completion.tokens_out,
        completion.latency_ms,
        after_call=after_call,
        answer=(prompt, completion.output.model_dump(mode="json")),
    )
    return completion.output


def _record(
    settings: Settings,
    record: AiCall,
    tokens_in: int,
    tokens_out: int,
    latency_ms: float,
    *,
    after_call: Callable[[int, float], None] | None,
    answer: tuple[Prompt, dict] | None = None,
) -> None:
    """Log the call and, for a valid answer, keep it in the cache: one transaction (SQLite
    serialises writers, so each one costs every other worker thread)."""
    record.tokens_in, record.tokens_out, record.latency_ms = tokens_in, tokens_out, latency_ms
    record.cost_usd = cost_usd(settings, record.model, tokens_in, tokens_out)
    try:
        with session_scope(settings) as session:
            session.add(record)
            if answer is not None:
                _cache(session, *answer, record)
    except IntegrityError:  # another worker cached the same answer first: keep its, log this call
        with session_scope(settings) as session:
            session.add(AiCall(**record.model_dump(exclude={"id"})))
    if after_call is not None:
        after_call(tokens_in + tokens_out, record.cost_usd)


def _cache(session: Session, prompt: Prompt, output: dict, record: AiCall) -> None:
    """Keep the answer; a refresh replaces the old one."""
    entry = cached_answer(session, prompt, record.model, record.input_hash)
    if entry is None:
        entry = AiCache(
            task=prompt.task, prompt_version=prompt.version, model=record.model, input_hash=record.input_hash
        )
    entry.output = output
    session.add(entry)
