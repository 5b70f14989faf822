"""A poller killed with SIGKILL mid-poll: the next poll records the rest, nothing twice, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from leadq.db import session_scope
from leadq.inbox.models import InboundMessage
from leadq.settings import Settings
from tests.inbox import samples

TOTAL = 80


def recorded(settings: Settings) -> list[int]:
    with session_scope(settings) as session:
        return list(session.exec(select(InboundMessage.uid)))


@pytest.mark.slow
def test_sigkill_during_a_poll_loses_and_repeats_nothing(imap_folder, tmp_path):
    imap_folder.deliver(
        *(
            samples.reply(sender=f"owner{i}@shop.example", in_reply_to=None, text=f"Reply {i}")
            for i in range(TOTAL)
        )
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADQ_")}
    env["LEADQ_DATA_DIR"] = str(tmp_path / "data")
    env.update({f"LEADQ_{key.upper()}": str(value) for key, value in imap_folder.settings.items()})
    settings = Settings(data_dir=tmp_path / "data", broker="embedded")
    command = [sys.executable, "-m", "leadq", "inbox", "poll", "--once"]

    poller = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and poller.poll() is None:
        try:
            if len(recorded(settings)) >= 10:
                break
        except Exception:  # noqa: BLE001 - the poller is still creating the database
            pass
        time.sleep(0.02)
    os.kill(poller.pid, signal.SIGKILL)
    poller.wait(timeout=10)
    assert poller.returncode == -signal.SIGKILL, "the poll finished before it could be killed"
    before = len(recorded(settings))
    assert 10 <= before < TOTAL

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    uids = recorded(settings)
    assert sorted(uids) == list(range(1, TOTAL + 1))
    with session_scope(settings) as session:
        assert session.exec(select(func.count()).select_from(InboundMessage)).one() == TOTAL
