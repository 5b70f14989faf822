"""User schedules: validated at `add`, stored by APScheduler in leadq's database, fired by enqueueing."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from leadq.cli.schedule_runner import build_request
from sqlmodel import Session, select

from leadq.core.broker import setup_broker
from leadq.core.models import Job
from leadq.db import ensure_schema
from leadq.ops.cron_trigger import LeadqCronTrigger
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import DECLARED, resolve_actor
from leadq.ops.user_schedules import FIRE_FUNC, build_scheduler, list_schedules, schedule_store
from leadq.scrape.models import ScrapeRun
from leadq.scrape.request import ScrapeRequest

UTC = ZoneInfo("UTC")


def add(leadq, *argv: str, cron: str = "0 7 * * 1-5") -> dict:
    result = leadq("schedule", "add", "--cron", cron, "--json", "--", *argv)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def listed(leadq) -> dict[str, dict]:
    result = leadq("schedule", "list", "--json")
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("cron", "argv", "message"),
    [
        ("0 7 * * 1-5", ["nosuchcommand", "--x"], "No such command 'nosuchcommand'"),
        ("0 7 * * 1-5", ["schedule", "run", "health_check", "--bogus"], "No such option: --bogus"),
        ("0 7 * * 1-5", ["schedule", "run"], "Missing argument 'name'"),
        ("0 77 * * 1-5", ["schedule", "run", "health_check"], "hour must be within 0-23"),
        ("every morning", ["schedule", "run", "health_check"], "invalid cron spec"),
        ("0 7 * * 1-5", ["scheduler"], "cannot be scheduled"),
        ("0 7 * * 1-5", ["schedule", "add", "--cron", "* * * * *", "--", "top"], "cannot be scheduled"),
        ("0 7 * * 1-5", ["schedule", "run", "health_check", "--inline"], "remove --inline"),
        ("0 7 * * 1-5", [], "give the command to schedule after --"),
        ("0 7 * * 1-5", ["scrape", "--source", "linkedin"], "deliberately not a source"),
        ("0 7 * * 1-5", ["scrape", "--source", "craigslist"], "craigslist needs --site"),
        ("0 7 * * 1-5", ["scrape", "--site", "sfbay", "--max", "0"], "Invalid value for '--max'"),
        ("0 7 * * 1-5", ["scrape", "--sample"], "remove --sample"),
        ("0 7 * * 1-5", ["scrape", "status"], "Missing argument 'run_id'"),
    ],
)
def test_add_rejects_bad_commands_and_crons_with_one_clear_line(
    settings, use_settings, leadq, cron, argv, message
):
    use_settings(settings)
    result = leadq("schedule", "add", "--cron", cron, "--", *argv)
    assert result.exit_code == (2 if "cron" in message or "within" in message else 1)  # 2: a usage error
    assert message in result.stderr
    assert "Traceback" not in result.output
    with schedule_store(settings) as store:
        assert list_schedules(store) == []


def test_a_schedule_is_listed_paused_resumed_and_removed(settings, use_settings, leadq):
    use_settings(settings)
    added = add(leadq, "schedule", "run", "health_check")
    assert added["command"] == "leadq schedule run health_check"
    row = listed(leadq)[added["id"]]
    assert (row["kind"], row["cron"], row["state"]) == ("user", "0 7 * * 1-5", "active")
    # Weekdays 1-5 are Monday-Friday (APScheduler 3's own crontab parser would say Tuesday-Saturday).
    assert datetime.fromisoformat(row["next_run"]).isoweekday() in range(1, 6)
    assert leadq("schedule", "pause", added["id"]).exit_code == 0
    assert listed(leadq)[added["id"]] | {} == row | {"state": "paused", "next_run": None}
    assert leadq("schedule", "resume", added["id"]).exit_code == 0
    assert listed(leadq)[added["id"]]["state"] == "active"
    assert leadq("schedule", "remove", added["id"]).exit_code == 0
    assert added["id"] not in listed(leadq)
    missing = leadq("schedule", "pause", added["id"])
    assert missing.exit_code == 1 and f"no user schedule with id {added['id']!r}" in missing.stderr


def test_a_scrape_schedule_stores_the_request_leadq_scrape_builds(settings, use_settings, leadq):
    use_settings(settings)
    # The README's own example (it used to fail with "`leadq scrape` needs a subcommand").
    added = add(leadq, "scrape", "--source", "craigslist", "--site", "sfbay", "--pipeline")
    assert added["command"] == "leadq scrape --source craigslist --site sfbay --pipeline"
    assert added["request"] == {
        "kind": "scrape",
        "scrape": ScrapeRequest(source="craigslist", site="sfbay", pipeline=True).model_dump(),
    }
    assert listed(leadq)[added["id"]]["runs"] == added["command"]


def test_schedule_list_shows_every_declared_schedule_and_whether_its_actor_exists(
    settings, use_settings, leadq
):
    use_settings(settings)
    rows = listed(leadq)
    assert rows["health_check"]["state"] == "active" and rows["health_check"]["next_run"]
    for schedule in DECLARED:
        row = rows[schedule.name]
        assert (row["kind"], row["cron"], row["runs"]) == ("cron", schedule.spec, schedule.actor_path)
        if resolve_actor(schedule.actor_path) is None:  # a domain not built yet: listed, never fired
            assert (row["state"], row["next_run"]) == ("not available", None)
        else:
            assert row["state"] == "active" and row["next_run"]


def test_the_trigger_reads_weekdays_as_cron_does_and_survives_pickling():
    import pickle

    trigger = pickle.loads(pickle.dumps(LeadqCronTrigger("0 7 * * 1-5", "UTC")))
    saturday = datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, saturday) == datetime(2026, 11, 23, 7, tzinfo=UTC)
    sunday = LeadqCronTrigger("@weekly", "UTC")
    assert sunday.get_next_fire_time(None, saturday) == datetime(2026, 11, 22, 0, tzinfo=UTC)


def _persisted_across_restart(settings):
    with schedule_store(settings) as store:
        from leadq.ops.user_schedules import add_schedule, pause_schedule

        argv = ["schedule", "run", "health_check"]
        kept = add_schedule(store, spec="30 6 * * 0", timezone="UTC", argv=argv, request=build_request(argv))
        paused = add_schedule(
            store, spec="*/5 * * * *", timezone="UTC", argv=argv, request=build_request(argv)
        )
        pause_schedule(store, paused.id)
    try:
        for _ in range(2):  # start the scheduler, stop it, start again: same schedules
            scheduler = build_scheduler(settings)
            scheduler.start(paused=True)
            found = {s.id: s for s in list_schedules(scheduler)}
            scheduler.shutdown()
            assert found[kept.id].next_run == kept.next_run and found[kept.id].next_run.isoweekday() == 7
            assert found[kept.id].argv == ["schedule", "run", "health_check"]
            assert json.loads(found[kept.id].request) == {
                "kind": "command",
                "path": ["schedule", "run"],
                "params": {"name": "health_check", "inline": False},
            }
            assert found[paused.id].paused
    finally:
        with schedule_store(settings) as store:
            store.remove_job(kept.id)
            store.remove_job(paused.id)


def test_user_schedules_are_persisted_across_scheduler_restart_on_sqlite(settings):
    _persisted_across_restart(settings)


@pytest.mark.postgres
def test_user_schedules_are_persisted_across_scheduler_restart_on_postgres(postgres_settings):
    _persisted_across_restart(postgres_settings)


@pytest.mark.redis
def test_the_scheduler_fires_a_user_schedule_by_enqueueing_its_command(redis_settings, use_settings, leadq):
    settings = use_settings(redis_settings)
    added = add(leadq, "schedule", "run", "health_check", cron="* * * * *")
    setup_broker(settings)
    scheduler = build_scheduler(settings)
    scheduler.start()
    try:
        scheduler.modify_job(added["id"], next_run_time=datetime.now(UTC))
        scheduler.wakeup()
        client = redis.Redis.from_url(settings.redis_url)
        deadline = time.monotonic() + 10
        while client.llen(f"{settings.namespace}:maintenance") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    # Enqueued for a worker, not run in the scheduler.
    assert client.llen(f"{settings.namespace}:maintenance") == 1
    with Session(ensure_schema(settings)) as session:
        jobs = session.exec(select(Job).where(Job.actor == "health_check")).all()
    assert [job.state for job in jobs] == ["enqueued"]
    last = FireLog(client, settings.namespace).last("user", added["id"])
    assert last is not None and time.time() - last.fired_at < 15
    assert datetime.fromtimestamp(last.tick, UTC) > datetime.now(UTC) - timedelta(minutes=2)


def _fire_now(settings, schedule_id: str, queue: str) -> redis.Redis:
    """Start a real scheduler, make the schedule due now, and wait for its job on ``queue``."""
    setup_broker(settings)
    scheduler = build_scheduler(settings)
    scheduler.start()
    client = redis.Redis.from_url(settings.redis_url)
    try:
        scheduler.modify_job(schedule_id, next_run_time=datetime.now(UTC))
        scheduler.wakeup()
        deadline = time.monotonic() + 10
        while client.llen(f"{settings.namespace}:{queue}") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    return client


@pytest.mark.redis
def test_a_scrape_schedule_fires_by_enqueueing_its_stored_request(redis_settings, use_settings, leadq):
    settings = use_settings(redis_settings)
    added = add(leadq, "scrape", "--source", "craigslist", "--site", "sfbay", "--max", "7", cron="* * * * *")
    client = _fire_now(settings, added["id"], "scrape")
    assert client.llen(f"{settings.namespace}:scrape") == 1  # enqueued for a worker, nothing fetched
    with Session(ensure_schema(settings)) as session:
        [run] = session.exec(select(ScrapeRun)).all()
        [job] = session.exec(select(Job).where(Job.actor == "scrape_search")).all()
    assert (run.source, run.site, run.job_id, job.state) == ("craigslist", "sfbay", job.id, "enqueued")
    [message_id] = client.lrange(f"{settings.namespace}:scrape", 0, -1)
    message = json.loads(client.hget(f"{settings.namespace}:scrape.msgs", message_id))
    assert message["args"][2:4] == ["https://sfbay.craigslist.org/search/sss", 7]


@pytest.mark.redis
def test_a_schedule_stored_as_argv_by_an_earlier_version_still_loads_and_fires(redis_settings, use_settings):
    settings = use_settings(redis_settings)
    with schedule_store(settings) as store:
        store.add_job(  # the form leadq stored before requests: the argv, re-parsed when fired
            FIRE_FUNC,
            LeadqCronTrigger("* * * * *", "UTC"),
            id="legacy01",
            name="schedule run health_check",
            kwargs={
                "schedule_id": "legacy01",
                "spec": "* * * * *",
                "timezone": "UTC",
                "argv": ["schedule", "run", "health_check"],
            },
        )
        [legacy] = list_schedules(store)
    assert (legacy.command, legacy.request) == ("leadq schedule run health_check", None)
    client = _fire_now(settings, "legacy01", "maintenance")
    assert client.llen(f"{settings.namespace}:maintenance") == 1


def test_misfire_grace_and_coalescing_come_from_settings_unless_given_at_add(settings, use_settings, leadq):
    use_settings(settings, LEADQ_USER_SCHEDULE_MISFIRE_GRACE="120")
    default = add(leadq, "schedule", "run", "health_check")
    custom = leadq(
        "schedule",
        "add",
        "--cron",
        "@daily",
        "--misfire-grace",
        "30",
        "--no-coalesce",
        "--json",
        "--",
        "schedule",
        "run",
        "health_check",
    )
    assert custom.exit_code == 0, custom.output
    rows = listed(leadq)
    assert rows[default["id"]]["policy"] == "grace 120s, coalesce"
    assert rows[json.loads(custom.stdout)["id"]]["policy"] == "grace 30s"
