"""`leadq inbox poll` without --once: new mail acted on as it arrives (IMAP IDLE on a real Dovecot),
polling where IDLE is off or not offered, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from sqlmodel import select

from leadq.db import session_scope
from leadq.inbox.models import InboundMessage
from leadq.inbox.watch import InboxWatcher, uses_idle
from leadq.settings import Settings
from tests.conftest import _missing
from tests.inbox import samples


def lines_of(process: subprocess.Popen) -> queue.Queue:
    """The process's stdout, line by line, as it comes."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_mail_is_acted_on_within_seconds_while_the_watcher_idles_and_sigterm_stops_it(imap_folder, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEADQ_")}
    env["LEADQ_DATA_DIR"] = str(tmp_path / "data")
    # A poll interval of an hour: only IDLE can bring the message in within seconds.
    env.update({f"LEADQ_{key.upper()}": str(value) for key, value in imap_folder.settings.items()})
    env["LEADQ_IMAP_POLL_INTERVAL"] = "3600"
    watcher = subprocess.Popen(
        [sys.executable, "-m", "leadq", "inbox", "poll", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = lines_of(watcher)
        first = json.loads(lines.get(timeout=60))
        assert (first["mode"], first["recorded"]) == ("idle", 0)
        time.sleep(0.5)  # IDLE is issued right after the first poll's line

        delivered = time.monotonic()
        imap_folder.deliver(samples.reply(sender="owner0@shop.example", in_reply_to=None, text="Call me."))
        second = json.loads(lines.get(timeout=10))
        took = time.monotonic() - delivered
        assert (second["recorded"], second["kinds"]) == (1, {"reply": 1})
        assert took < 5, f"processed {took:.1f} s after delivery"

        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=10) == 0
        assert "Traceback" not in watcher.stderr.read()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    with session_scope(Settings(data_dir=tmp_path / "data")) as session:
        assert [row.kind for row in session.exec(select(InboundMessage))] == ["reply"]


def watching(settings: Settings, **options) -> tuple[InboxWatcher, threading.Thread, list]:
    polls: list[tuple[int, bool]] = []
    watcher = InboxWatcher(
        settings, threading.Event(), lambda result, idle: polls.append((result.recorded, idle)), **options
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    return watcher, thread, polls


def wait_for(condition, timeout: float = 10.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def stopped(watcher: InboxWatcher, thread: threading.Thread) -> float:
    started = time.monotonic()
    watcher.stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    return time.monotonic() - started


def test_with_idle_off_the_watcher_polls_at_the_interval(imap_folder, tmp_path):
    settings = Settings(
        data_dir=tmp_path / "data", **imap_folder.settings, imap_idle=False, imap_poll_interval=0.5
    )
    watcher, thread, polls = watching(settings)
    wait_for(lambda: polls)
    imap_folder.deliver(samples.reply(sender="owner0@shop.example", in_reply_to=None, text="Call me."))
    wait_for(lambda: sum(recorded for recorded, _ in polls) == 1, timeout=5)
    assert stopped(watcher, thread) < 2
    assert {idle for _, idle in polls} == {False} and len(polls) >= 2


def test_idle_is_used_only_when_the_server_advertises_it_and_the_setting_allows(tmp_path):
    dovecot = (b"IMAP4REV1", b"SASL-IR", b"IDLE", b"UIDPLUS")
    without = (b"IMAP4REV1", b"SASL-IR", b"UIDPLUS")
    settings = Settings(data_dir=tmp_path)
    assert uses_idle(settings, dovecot)
    assert not uses_idle(settings, without)
    assert not uses_idle(settings.model_copy(update={"imap_idle": False}), dovecot)


def test_idle_is_issued_again_after_the_renewal_time_and_a_stop_ends_it_within_a_second(
    imap_folder, tmp_path
):
    settings = Settings(data_dir=tmp_path / "data", **imap_folder.settings, imap_poll_interval=3600)
    watcher, thread, polls = watching(settings, idle_renew=1.0)
    # Each renewal ends IDLE and polls before idling again.
    wait_for(lambda: len(polls) >= 3, timeout=8)
    assert {idle for _, idle in polls} == {True}
    assert stopped(watcher, thread) < 2.5


def test_a_dropped_connection_is_reconnected_and_mail_sent_meanwhile_is_acted_on(
    imap_folder, tmp_path, caplog
):
    conf = os.environ.get("LEADQ_TEST_DOVECOT_CONF")
    if not conf:
        _missing("the private Dovecot's configuration (LEADQ_TEST_DOVECOT_CONF)")
    settings = Settings(data_dir=tmp_path / "data", **imap_folder.settings, imap_poll_interval=3600)
    watcher, thread, polls = watching(settings)
    wait_for(lambda: polls)
    time.sleep(0.5)
    kicked = subprocess.run(["doveadm", "-c", conf, "kick", imap_folder.user], capture_output=True, text=True)
    assert kicked.returncode == 0, kicked.stderr
    imap_folder.deliver(samples.reply(sender="owner0@shop.example", in_reply_to=None, text="Call me."))
    # Reconnected after the first back-off (1 s); the first poll of the new session finds it.
    took = wait_for(lambda: sum(recorded for recorded, _ in polls) == 1, timeout=8)
    assert stopped(watcher, thread) < 2.5
    assert took < 5 and len(polls) >= 2
    assert "IMAP connection lost" in caplog.text and "reconnecting in 1 s" in caplog.text
