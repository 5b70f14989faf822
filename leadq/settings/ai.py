"""AI settings: which engine, the Chat Completions endpoint, prices and limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class AiSettings(BaseModel):
    """The engine behind `leadq ai`, its endpoint, what its tokens cost and how fast it may go."""

    ai_engine: Literal["rules", "openai"] = Field(
        "rules",
        description="rules: a documented checklist, no model; openai: any server speaking the OpenAI "
        "Chat Completions protocol (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).",
    )
    ai_base_url: str = Field(
        "https://api.openai.com/v1", description="Chat Completions endpoint, e.g. http://127.0.0.1:11434/v1."
    )
    ai_api_key: str | None = Field(None, description="API key sent as a Bearer token (local servers: any).")
    ai_model: str = Field("gpt-4o-mini", description="Model name sent with every call.")
    ai_timeout: float = Field(60.0, description="Seconds to wait for one model response.")
    ai_json_schema: bool = Field(
        True,
        description="Ask for output by JSON schema (response_format json_schema); off: JSON mode only, "
        "for servers without schema support.",
    )
    ai_prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {
            "gpt-4o-mini": (0.15, 0.60),
            "gpt-4o": (2.50, 10.00),
            "gpt-4.1-mini": (0.40, 1.60),
            "gpt-4.1": (2.00, 8.00),
        },
        description="USD per million tokens, input and output, per model, as JSON "
        '({"model": [in, out]}); models not listed cost 0 (local servers).',
    )
    ai_daily_budget_usd: float = Field(
        0.0, description="Most USD all workers together spend per UTC day (0: no budget)."
    )
    ai_requests_per_minute: int = Field(
        0, description="Most model calls per minute across all workers (0: no limit)."
    )
    ai_tokens_per_minute: int = Field(
        0, description="Most tokens (in + out) per minute across all workers (0: no limit)."
    )
    ai_max_input_chars: int = Field(
        20_000, description="Longer input text is truncated to this many characters, with a note."
    )
    ai_max_output_tokens: int = Field(800, description="Most tokens one model response may have.")
    ai_min_training_leads: int = Field(
        40,
        description="`leadq ai train` refuses with fewer labelled leads (marked won or lost, or emailed and"
        " replied or not), or fewer than 5 with and 5 without the label.",
    )
