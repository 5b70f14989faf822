"""What a task needs to call a model: settings, whose job it is, and the shared limits.

The rules engine needs none of it; the ``openai`` engine passes a ``ModelCall``
down to ``calls.ask`` so budget and rate checks run only when a model is
really called (never for a cache hit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leadq.ai.calls import Schema, ask
from leadq.ai.prompts import Prompt
from leadq.settings import Settings


@dataclass
class ModelCall:
    settings: Settings
    refresh: bool = False
    job_id: str | None = None
    before_call: Callable[[], None] | None = None
    after_call: Callable[[int, float], None] | None = None

    @property
    def uses_model(self) -> bool:
        return self.settings.ai_engine == "openai"

    def ask(self, prompt: Prompt, schema: type[Schema]) -> Schema:
        return ask(
            self.settings,
            prompt,
            schema,
            refresh=self.refresh,
            job_id=self.job_id,
            before_call=self.before_call,
            after_call=self.after_call,
        )
