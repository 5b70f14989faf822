"""The ``openai`` engine: one structured call to a Chat Completions server.

The official SDK speaks the protocol; leadq decides everything else. SDK
retries are off because the job engine owns retries: a 429 or 5xx becomes
``TransientError`` (honouring Retry-After), a 400/401/403/404 a
``PermanentError`` carrying the provider's own message. Output is asked for
by JSON schema, or as plain JSON mode on servers that refuse schemas, and is
always validated by a pydantic model; an invalid answer gets one repair
attempt, then a permanent error naming the field.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from leadq.ai.prompts import Prompt
from leadq.errors import PermanentError, TransientError
from leadq.settings import Settings

#: Base URLs whose server refused a json_schema response_format: JSON mode from then on.
_no_schema: set[str] = set()
_clients: dict[tuple, openai.OpenAI] = {}
_lock = threading.Lock()


class InvalidOutput(PermanentError):
    """The model's answer is not JSON or does not match the task's schema, even after a repair."""

    #: (tokens in, tokens out, latency ms) of the calls that produced it.
    usage: tuple[int, int, float] | None = None


@dataclass
class Completion:
    output: BaseModel
    tokens_in: int
    tokens_out: int
    latency_ms: float


def client_for(settings: Settings) -> openai.OpenAI:
    """One SDK client (and its connection pool) per endpoint, key and timeout, shared by threads."""
    key = (settings.ai_base_url, settings.ai_api_key, settings.ai_timeout)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = openai.OpenAI(
                base_url=settings.ai_base_url,
                # Local servers (Ollama, llama.cpp) need none, but the SDK insists on one.
                api_key=settings.ai_api_key or "not-needed",
                max_retries=0,
                timeout=settings.ai_timeout,
            )
            _clients[key] = client
    return client


def forget_clients() -> None:
    """Drop pooled clients and what servers refused (tests point each at a new server)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _no_schema.clear()


def provider_message(exc: openai.APIStatusError) -> str:
    """The provider's own explanation: ``{"error": {"message": ...}}`` or the raw body."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:500]
        if isinstance(inner, str):
            return inner[:500]
    return (exc.response.text or exc.message)[:500]


def retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from model servers; the backoff applies


def translate(exc: openai.OpenAIError, settings: Settings) -> Exception:
    """The leadq error the job engine acts on for an SDK error."""
    where = f"{settings.ai_base_url} ({settings.ai_model})"
    if isinstance(exc, openai.APITimeoutError):
        return TransientError(f"model server {where} did not answer within {settings.ai_timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return TransientError(f"cannot reach model server {where}: {exc.__cause__ or exc}")
    if isinstance(exc, openai.APIStatusError):
        status, message = exc.status_code, provider_message(exc)
        if status == 429 or status >= 500:
            return TransientError(
                f"model server {where}: HTTP {status}: {message}", retry_after=retry_after(exc)
            )
        return PermanentError(f"model server {where}: HTTP {status}: {message}")
    return PermanentError(f"model server {where}: {exc}")


def response_format(schema: type[BaseModel], *, use_schema: bool) -> dict[str, Any]:
    if not use_schema:
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
    }


def _schema_refused(exc: openai.BadRequestError) -> bool:
    text = provider_message(exc).lower()
    return "response_format" in text or "json_schema" in text or "schema" in text


def _create(settings: Settings, messages: list[dict], schema: type[BaseModel]):
    client = client_for(settings)
    use_schema = settings.ai_json_schema and settings.ai_base_url not in _no_schema
    try:
        return client.chat.completions.create(
            model=settings.ai_model,
            messages=messages,
            response_format=response_format(schema, use_schema=use_schema),
            max_tokens=settings.ai_max_output_tokens,
            temperature=0,
        )
    except openai.BadRequestError as exc:
        if not (use_schema and _schema_refused(exc)):
            raise translate(exc, settings) from None
        _no_schema.add(settings.ai_base_url)
        return _create(settings, messages, schema)
    except openai.OpenAIError as exc:
        raise translate(exc, settings) from None


def parse_output(content: str | None, finish_reason: str | None, schema: type[BaseModel]) -> BaseModel:
    """The validated answer, or InvalidOutput saying what is wrong (and which field)."""
    if finish_reason == "length":
        raise InvalidOutput("the answer was cut off at the token limit (LEADQ_AI_MAX_OUTPUT_TOKENS)")
    if not content or not content.strip():
        raise InvalidOutput("the answer was empty")
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        raise InvalidOutput(f"the answer is not JSON: {content.strip()[:80]!r}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "(whole answer)"
        raise InvalidOutput(f"field {field!r}: {first['msg']}") from None


def complete(settings: Settings, prompt: Prompt, schema: type[BaseModel]) -> Completion:
    """Ask once; if the answer is invalid, show the model its answer and the problem once more."""
    messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
    started = time.perf_counter()
    tokens_in = tokens_out = 0
    problem: InvalidOutput | None = None
    for _attempt in range(2):
        response = _create(settings, messages, schema)
        if response.usage is not None:
            tokens_in += response.usage.prompt_tokens or 0
            tokens_out += response.usage.completion_tokens or 0
        if not response.choices:
            problem = InvalidOutput("the answer had no choices")
            continue
        choice = response.choices[0]
        try:
            output = parse_output(choice.message.content, choice.finish_reason, schema)
        except InvalidOutput as exc:
            problem = exc
            messages += [
                {"role": "assistant", "content": choice.message.content or ""},
                {
                    "role": "user",
                    "content": f"That answer is invalid: {exc}. Reply again with only a JSON object "
                    f"matching this schema: {json.dumps(schema.model_json_schema())}",
                },
            ]
            continue
        return Completion(output, tokens_in, tokens_out, (time.perf_counter() - started) * 1000)
    failure = InvalidOutput(
        f"model {settings.ai_model} gave an invalid {prompt.task} answer twice: {problem}"
    )
    failure.usage = (tokens_in, tokens_out, (time.perf_counter() - started) * 1000)  # still paid for
    raise failure


def list_models(settings: Settings) -> list[str]:
    """The server's model ids (`leadq doctor`)."""
    try:
        return [model.id for model in client_for(settings).models.list()]
    except openai.OpenAIError as exc:
        raise translate(exc, settings) from None
