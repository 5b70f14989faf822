"""Cancellation points inside a running job.

Apart from ``core.cancel`` (the registry and its middleware, which the broker
is built with) because a checkpoint needs the installed runtime, and the
broker module must not import what imports it.
"""

from __future__ import annotations

from dramatiq.middleware import CurrentMessage

from leadq.core.broker import current_runtime
from leadq.errors import Cancelled


def checkpoint() -> None:
    """Raise ``Cancelled`` if the running job was cancelled; call it in loops."""
    message = CurrentMessage.get_current_message()
    if message is not None and current_runtime().cancels.is_cancelled(message.message_id):
        raise Cancelled(f"job {message.message_id} was cancelled")
