"""The scheduler: cron declared on actors, read from the broker, fired once per tick on real Redis."""

from __future__ import annotations

import logging
import socket
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dramatiq
import pytest
import redis
import redis.backoff
import redis.retry
from periodiq import cron

from leadq.core.broker import setup_broker
from leadq.core.periodic import Periodic
from leadq.errors import ConfigError
from leadq.ops.fire_log import FireLog
from leadq.ops.scheduler_service import build_service, run_scheduler
from leadq.ops.schedules import periodic_actors

from .test_cron_trigger import walk

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
#: Written by hand from the issue, independently of leadq's cron code.
EXPECTED = {
    "health_check": lambda t: True,
    "cleanup_stale_jobs": lambda t: t.minute % 15 == 0,
    "cleanup_job_history": lambda t: t.minute == 0,
    "process_due_campaign_steps": lambda t: True,
    "update_campaign_metrics": lambda t: t.minute % 5 == 0,
    "monitor_scrape_jobs": lambda t: t.minute % 10 == 0,
    "retry_failed_emails": lambda t: t.minute % 15 == 0,
    "daily_campaign_analytics": lambda t: t.hour == 1 and t.minute == 0,
    "cleanup_scrape_data": lambda t: t.hour == 3 and t.minute == 0,
    "poll_inbox": lambda t: t.minute % 5 == 0,
    "cleanup_demos": lambda t: t.hour == 3 and t.minute == 30,
    "train_ml_model": lambda t: t.weekday() == 0 and t.hour == 4 and t.minute == 0,
}


def test_every_actor_declared_periodic_fires_exactly_on_its_ticks(settings):
    declared = {periodic.name: periodic for periodic in periodic_actors(setup_broker(settings), settings)}
    assert set(declared) == set(EXPECTED)
    # Five hours of a Monday hold a tick of every schedule (the nightly ones at 01:00,
    # 03:00 and 03:30, the weekly one at 04:00); tests/ops/test_cron_trigger.py walks
    # whole weeks of specs.
    hours = [MONDAY + timedelta(minutes=i) for i in range(5 * 60)]
    for name, predicate in EXPECTED.items():
        ticks = walk(declared[name].trigger("UTC"), MONDAY, MONDAY + timedelta(hours=5))
        assert ticks == [t for t in hours if predicate(t)], name


@pytest.mark.redis
def test_the_inbox_poll_runs_on_the_schedule_its_setting_gives_when_the_scheduler_starts(
    redis_settings,
):
    settings = redis_settings.model_copy(update={"imap_poll_schedule": "7,37 * * * *"})
    scheduler = build_service(
        settings,
        broker=setup_broker(settings),
        client=redis.Redis.from_url(settings.redis_url),
        send=lambda actor: "job",
    )
    trigger = scheduler.get_job("poll_inbox", jobstore="cron").trigger
    assert walk(trigger, MONDAY, MONDAY + timedelta(hours=1)) == [
        MONDAY + timedelta(minutes=7),
        MONDAY + timedelta(minutes=37),
    ]


def test_a_users_own_actor_module_gets_cron_the_same_way(settings, tmp_path, monkeypatch):
    (tmp_path / "my_weekly_actors.py").write_text(
        textwrap.dedent(
            """
            import dramatiq
            from periodiq import cron

            @dramatiq.actor(queue_name="maintenance", periodic=cron("0 9 * * sun"))
            def weekly_report():
                pass
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    broker = setup_broker(settings.model_copy(update={"actor_modules": ["my_weekly_actors"]}))
    [weekly] = [p for p in periodic_actors(broker, settings) if p.name == "weekly_report"]
    assert weekly.trigger("UTC").get_next_fire_time(None, MONDAY) == datetime(2026, 11, 22, 9, tzinfo=UTC)


@pytest.mark.redis
def test_a_declared_schedule_in_new_york_fires_once_across_both_clock_changes(redis_settings):
    broker = stub_broker(nightly={"periodic": cron("30 1 * * *")}, gap={"periodic": cron("30 2 * * *")})
    scheduler = build_service(
        redis_settings.model_copy(update={"schedule_timezone": "America/New_York"}),
        broker=broker,
        client=redis.Redis.from_url(redis_settings.redis_url),
        send=lambda actor: "not started",
    )
    triggers = {job.id: job.trigger for job in scheduler.get_jobs()}
    new_york = ZoneInfo("America/New_York")
    autumn = walk(
        triggers["nightly"],
        datetime(2026, 10, 31, 12, tzinfo=new_york),
        datetime(2026, 11, 3, tzinfo=new_york),
    )
    assert [t.astimezone(UTC).isoformat() for t in autumn] == [
        "2026-11-01T05:30:00+00:00",  # 01:30 EDT; not again at 01:30 EST
        "2026-11-02T06:30:00+00:00",
    ]
    spring = walk(
        triggers["gap"], datetime(2027, 3, 13, 12, tzinfo=new_york), datetime(2027, 3, 16, tzinfo=new_york)
    )
    assert [t.astimezone(UTC).isoformat() for t in spring] == [
        "2027-03-14T07:30:00+00:00",  # 03:30 EDT: 02:30 did not exist that night
        "2027-03-15T06:30:00+00:00",
    ]


def stub_broker(**specs: dict) -> dramatiq.Broker:
    """A broker with leadq's periodic middleware and one do-nothing actor per ``specs`` item."""
    broker = dramatiq.brokers.stub.StubBroker(middleware=[Periodic()])
    for name, options in specs.items():
        dramatiq.actor(lambda: None, actor_name=name, broker=broker, **options)
    return broker


def serve(redis_settings, broker, sent: list, **overrides):
    """A started scheduler whose ``send`` appends (actor name, time) to ``sent``."""
    settings = redis_settings.model_copy(update=overrides)
    client = redis.Redis.from_url(settings.redis_url)

    def send(actor):
        sent.append(actor.actor_name)
        return f"job-{len(sent)}"

    scheduler = build_service(settings, broker=broker, client=client, send=send)
    scheduler.start()
    return scheduler


def settle(schedulers, sent: list, expected: int) -> None:
    deadline = time.monotonic() + 10
    while len(sent) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # anything more would have been sent by now
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)


@pytest.mark.redis
def test_two_schedulers_fire_a_due_tick_once(redis_settings):
    # A 90 s on-time window: the latest every-minute tick is always still due at start.
    broker = stub_broker(every_minute={"periodic": cron("* * * * *")})
    sent: list[str] = []
    schedulers = [serve(redis_settings, broker, sent, schedule_on_time_window=90) for _ in range(2)]
    settle(schedulers, sent, 1)
    assert sent == ["every_minute"]
    last = FireLog(redis.Redis.from_url(redis_settings.redis_url), redis_settings.namespace).last(
        "cron", "every_minute"
    )
    assert last.job_id == "job-1" and time.time() - last.tick < 90


@pytest.mark.redis
def test_a_restarted_scheduler_resumes_after_the_last_recorded_tick(redis_settings):
    broker = stub_broker(every_minute={"periodic": cron("* * * * *")})
    sent: list[str] = []
    settle([serve(redis_settings, broker, sent, schedule_on_time_window=90)], sent, 1)
    restarted = serve(redis_settings, broker, sent, schedule_on_time_window=90)
    [job] = restarted.get_jobs(jobstore="cron")
    settle([restarted], sent, 1)
    assert sent == ["every_minute"]
    assert job.next_run_time > datetime.now(UTC) - timedelta(seconds=1)


@pytest.mark.redis
def test_missed_ticks_run_once_when_the_grace_allows_and_are_skipped_when_not(redis_settings):
    broker = stub_broker(
        run_once={"periodic": cron("0 1 * * *"), "misfire_grace_time": None},
        skip={"periodic": cron("0 1 * * *")},  # the on-time window: 30 s
    )
    client = redis.Redis.from_url(redis_settings.redis_url)
    fire_log = FireLog(client, redis_settings.namespace)
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).replace(
        hour=1, minute=0, second=0, microsecond=0
    )
    for name in ("run_once", "skip"):  # both fired last three days ago; the scheduler was down since
        fire_log.record("cron", name, tick=three_days_ago.timestamp(), fired_at=0, job_id="old")
    sent: list[str] = []
    settle([serve(redis_settings, broker, sent)], sent, 1)
    assert sent == ["run_once"]  # once, not once per missed night
    last = fire_log.last("cron", "run_once")
    latest = datetime.fromtimestamp(last.tick, UTC)
    assert (latest.hour, latest.minute) == (1, 0) and datetime.now(UTC) - latest < timedelta(days=1)
    assert fire_log.last("cron", "skip").job_id == "old"
    # The skipped tick's lock was given back: nothing holds it.
    assert fire_log.claim("cron", "skip", latest.timestamp(), ttl=5)


def test_a_lock_that_expires_within_the_on_time_window_is_refused(settings):
    with pytest.raises(ConfigError, match="must exceed schedule_on_time_window"):
        build_service(
            settings.model_copy(update={"schedule_lock_ttl": 30, "schedule_on_time_window": 30}),
            broker=stub_broker(),
            client=None,
            send=None,
        )


def test_the_scheduler_logs_an_unreachable_redis_and_stops_cleanly_when_asked(settings, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = redis.Redis(
        port=port, socket_connect_timeout=0.5, retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0)
    )
    sent = []
    stop = threading.Event()
    broker = stub_broker(every_minute={"periodic": cron("* * * * *")})
    loop = threading.Thread(
        target=run_scheduler,
        args=(settings.model_copy(update={"schedule_on_time_window": 90}),),
        kwargs={"broker": broker, "client": client, "send": sent.append, "stop": stop},
    )
    with caplog.at_level(logging.WARNING, logger="leadq.ops"):
        loop.start()
        timer = threading.Timer(1.5, stop.set)
        timer.start()
        loop.join(10)
    assert not loop.is_alive()
    assert sent == []
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
