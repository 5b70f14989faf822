"""The cron loop on real Redis: every declared schedule fires exactly on its ticks, once."""

from __future__ import annotations

import dataclasses
import multiprocessing
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis

from leadq.core.broker import setup_broker
from leadq.errors import ConfigError
from leadq.ops.cron_scheduler import CronScheduler
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import DECLARED, CronSchedule, resolve_actor

UTC = ZoneInfo("UTC")
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
    "poll_inbox": lambda t: t.minute % 5 == 0,
    "daily_campaign_analytics": lambda t: t.hour == 1 and t.minute == 0,
    "cleanup_scrape_data": lambda t: t.hour == 3 and t.minute == 0,
}
SUNDAY_ONLY = CronSchedule("weekly_report", "@weekly", "builtins:len", "maintenance")


def runnable(schedules):
    """The declared schedules pointed at an object that exists, so all of them are active."""
    return [dataclasses.replace(s, actor_path="builtins:len") for s in schedules]


def make_scheduler(redis_settings, schedules, sent, **overrides):
    client = redis.Redis.from_url(redis_settings.redis_url)
    options = {"on_time_window": redis_settings.schedule_on_time_window, "lock_ttl": 3600} | overrides
    return CronScheduler(
        schedules,
        fire_log=FireLog(client, redis_settings.namespace),
        send=lambda actor: sent.append(actor) or f"job-{len(sent)}",
        **options,
    )


def walk(scheduler, start, minutes, second=2):
    """Drive the loop like `run` does, a few seconds past each minute of simulated time."""
    fired = []
    for i in range(minutes):
        fired += scheduler.tick(start + timedelta(minutes=i, seconds=second))
    return fired


def test_every_declared_schedule_has_a_hand_written_expectation():
    assert {s.name for s in DECLARED} == set(EXPECTED)


def test_every_declared_schedule_fires_exactly_on_its_ticks_over_a_simulated_week(redis_settings):
    scheduler = make_scheduler(redis_settings, [*runnable(DECLARED), SUNDAY_ONLY], [])
    fired = walk(scheduler, MONDAY, 7 * 24 * 60)
    week = [MONDAY + timedelta(minutes=i) for i in range(7 * 24 * 60)]
    for name, predicate in EXPECTED.items():
        assert [f.tick for f in fired if f.name == name] == [t for t in week if predicate(t)], name
    assert [f.tick for f in fired if f.name == "weekly_report"] == [datetime(2026, 11, 22, tzinfo=UTC)]


def test_each_available_schedule_runs_an_actor_declared_on_the_schedules_queue(settings):
    setup_broker(settings)
    available = {s.name: resolve_actor(s.actor_path) for s in DECLARED}
    assert {"health_check", "cleanup_stale_jobs", "cleanup_job_history"} <= {
        name for name, actor in available.items() if actor is not None
    }
    for schedule in DECLARED:
        if available[schedule.name] is not None:
            assert available[schedule.name].queue_name == schedule.queue, schedule.name


def test_a_schedule_whose_actor_does_not_exist_is_not_scheduled(redis_settings):
    missing = CronSchedule("nope", "* * * * *", "leadq.actors.does_not_exist:nothing", "maintenance")
    sent = []
    scheduler = make_scheduler(redis_settings, [missing], sent)
    assert scheduler.unavailable == [missing]
    assert walk(scheduler, MONDAY, 5) == [] and sent == []


def test_a_late_tick_is_skipped_under_the_skip_policy(redis_settings):
    nightly = CronSchedule("nightly", "0 1 * * *", "builtins:len", "maintenance", late="skip")
    scheduler = make_scheduler(redis_settings, [nightly], [])
    assert len(scheduler.tick(MONDAY + timedelta(hours=1, seconds=5))) == 1
    # Down from Tuesday 00:50 to 01:30: the 01:00 tick is seen 30 minutes late.
    assert scheduler.tick(MONDAY + timedelta(days=1, hours=1, minutes=30)) == []
    assert len(scheduler.tick(MONDAY + timedelta(days=2, hours=1, seconds=5))) == 1


def test_many_missed_ticks_run_once_under_the_run_once_policy(redis_settings):
    cleanup = CronSchedule("cleanup", "*/15 * * * *", "builtins:len", "maintenance", late="run-once")
    scheduler = make_scheduler(redis_settings, [cleanup], [])
    assert len(scheduler.tick(MONDAY + timedelta(seconds=3))) == 1
    # Down for two hours: eight ticks missed, one run for the latest of them.
    back = MONDAY + timedelta(hours=2, minutes=7)
    fired = scheduler.tick(back)
    assert [f.tick for f in fired] == [MONDAY + timedelta(hours=2)]
    assert scheduler.tick(back + timedelta(seconds=30)) == []
    last = scheduler.fire_log.last("cron", "cleanup")
    assert (last.tick, last.fired_at) == ((MONDAY + timedelta(hours=2)).timestamp(), back.timestamp())


def test_a_restarted_scheduler_does_not_fire_a_tick_again(redis_settings):
    every_minute = runnable(DECLARED[:1])
    first = make_scheduler(redis_settings, every_minute, [])
    assert len(walk(first, MONDAY, 3)) == 3
    second = make_scheduler(redis_settings, every_minute, [])
    assert walk(second, MONDAY, 3, second=40) == []


def test_a_lock_that_expires_within_the_on_time_window_is_refused():
    with pytest.raises(ConfigError, match="must exceed schedule_on_time_window"):
        CronScheduler([], fire_log=None, send=None, on_time_window=30, lock_ttl=30)


def test_the_next_wakeup_is_the_earliest_next_tick():
    nightly = CronSchedule("nightly", "0 1 * * *", "builtins:len", "maintenance")
    hourly = CronSchedule("hourly", "30 * * * *", "builtins:len", "maintenance")
    scheduler = CronScheduler([nightly, hourly], fire_log=None, send=None, on_time_window=30, lock_ttl=60)
    assert scheduler.next_wakeup(MONDAY + timedelta(minutes=40)) == MONDAY + timedelta(hours=1)
    assert scheduler.next_wakeup(MONDAY + timedelta(minutes=20)) == MONDAY + timedelta(minutes=30)


def _scheduler_process(redis_url, namespace, barrier, start, minutes):
    """One scheduler process: enqueues by pushing (tick, pid) onto a Redis list."""
    import os

    client = redis.Redis.from_url(redis_url)
    schedules = runnable(DECLARED[:3])
    scheduler = CronScheduler(
        schedules,
        fire_log=FireLog(client, namespace),
        send=lambda actor: str(client.rpush(f"{namespace}:sent", os.getpid())),
        on_time_window=30,
        lock_ttl=3600,
    )
    barrier.wait()
    walk(scheduler, start, minutes)


@pytest.mark.redis
def test_two_processes_racing_through_two_hours_of_ticks_fire_each_tick_once(redis_settings):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    args = (redis_settings.redis_url, redis_settings.namespace, barrier, MONDAY, 120)
    processes = [context.Process(target=_scheduler_process, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    client = redis.Redis.from_url(redis_settings.redis_url)
    # health_check 120 + cleanup_stale_jobs 8 + cleanup_job_history 2, each fired by one process only.
    assert client.llen(f"{redis_settings.namespace}:sent") == 130
