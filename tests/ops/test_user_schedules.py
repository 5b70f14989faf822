"""User schedules: validated at `add`, stored by APScheduler in leadq's database, fired by enqueueing."""

from __future__ import annotations

import json
import pickle
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from leadq.cli.schedule_runner import build_request, fire_user_schedule, upgrade_stored
from sqlalchemy import text
from sqlmodel import Session, select

from leadq.core.broker import setup_broker
from leadq.core.models import Job
from leadq.db import ensure_schema
from leadq.ops.cron_trigger import LeadqCronTrigger
from leadq.ops.fire_log import FireLog
from leadq.ops.scheduler_service import build_service
from leadq.ops.schedules import periodic_actors
from leadq.ops.user_schedules import (
    TABLE,
    add_schedule,
    build_scheduler,
    list_schedules,
    pause_schedule,
    schedule_store,
)
from leadq.scrape.models import ScrapeRun
from leadq.scrape.request import ScrapeRequest

from .test_cron_trigger import walk
from .test_scheduler_service import stub_broker

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
#: Where schedules stored by earlier versions point (the function is still there).
LEGACY_FIRE_FUNC = "leadq.cli.schedule_runner:fire_user_schedule"
#: For schedules `_fire_now` fires: no tick of their own comes between (every minute, one did).
YEARLY = "0 0 1 1 *"


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
        ("0 7 * * 1-5", ["job", "list"], "`leadq job list` cannot be scheduled: a schedule runs"),
        ("0 7 * * 1-5", ["schedule", "run", "nope"], "no declared schedule 'nope'"),
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


def test_schedule_list_shows_every_actor_declared_periodic(settings, use_settings, leadq):
    use_settings(settings)
    rows = listed(leadq)
    declared = periodic_actors(setup_broker(settings), settings)
    assert {"health_check", "cleanup_stale_jobs", "daily_campaign_analytics"} <= {p.name for p in declared}
    for periodic in declared:
        row = rows[periodic.name]
        assert (row["kind"], row["cron"], row["runs"]) == ("cron", periodic.cron.spec, periodic.path)
        assert row["queue"] == periodic.queue and row["state"] == "active" and row["next_run"]
    assert rows["health_check"]["policy"] == "grace 30s, coalesce"
    assert rows["daily_campaign_analytics"]["policy"] == "any lateness, coalesce"


def test_a_stored_schedule_in_new_york_fires_once_across_both_clock_changes(settings):
    with schedule_store(settings) as store:
        argv = ["schedule", "run", "health_check"]
        request = build_request(argv)
        nightly = add_schedule(
            store,
            spec="30 1 * * *",
            timezone="America/New_York",
            argv=argv,
            request=request,
            fire=fire_user_schedule,
        )
        skipped = add_schedule(
            store,
            spec="30 2 * * *",
            timezone="America/New_York",
            argv=argv,
            request=request,
            fire=fire_user_schedule,
        )
    with schedule_store(settings) as store:  # read back from the database
        triggers = {job.id: job.trigger for job in store.get_jobs()}
    autumn = walk(
        triggers[nightly.id],
        datetime(2026, 10, 31, 12, tzinfo=NEW_YORK),
        datetime(2026, 11, 3, tzinfo=NEW_YORK),
    )
    assert [t.astimezone(UTC).isoformat() for t in autumn] == [
        "2026-11-01T05:30:00+00:00",  # 01:30 EDT; not again at 01:30 EST
        "2026-11-02T06:30:00+00:00",
    ]
    spring = walk(
        triggers[skipped.id],
        datetime(2027, 3, 13, 12, tzinfo=NEW_YORK),
        datetime(2027, 3, 16, tzinfo=NEW_YORK),
    )
    assert [t.astimezone(UTC).isoformat() for t in spring] == [
        "2027-03-14T07:30:00+00:00",  # 03:30 EDT: 02:30 did not exist that night
        "2027-03-15T06:30:00+00:00",
    ]


def _persisted_across_restart(settings):
    with schedule_store(settings) as store:
        argv = ["schedule", "run", "health_check"]
        request = build_request(argv)
        kept = add_schedule(
            store, spec="30 6 * * 0", timezone="UTC", argv=argv, request=request, fire=fire_user_schedule
        )
        paused = add_schedule(
            store, spec="*/5 * * * *", timezone="UTC", argv=argv, request=request, fire=fire_user_schedule
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
            assert json.loads(found[kept.id].request) == {"kind": "actor", "actor": "health_check"}
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


def _fire_now(settings, schedule_id: str, queue: str) -> tuple[redis.Redis, datetime]:
    """Run the real scheduler (no declared actors), make the schedule due, wait for its job on ``queue``."""
    setup_broker(settings)  # what `leadq scheduler` installs; the stored request is sent through it
    client = redis.Redis.from_url(settings.redis_url)
    scheduler = build_service(settings, broker=stub_broker(), client=client, send=None)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    scheduler.start()
    try:
        scheduler.modify_job(schedule_id, next_run_time=due)
        scheduler.wakeup()
        deadline = time.monotonic() + 10
        while client.llen(f"{settings.namespace}:{queue}") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    return client, due


@pytest.mark.redis
def test_the_scheduler_fires_a_user_schedule_by_enqueueing_its_request(redis_settings, use_settings, leadq):
    settings = use_settings(redis_settings)
    added = add(leadq, "schedule", "run", "health_check", cron=YEARLY)
    client, due = _fire_now(settings, added["id"], "maintenance")
    # Enqueued for a worker, not run in the scheduler.
    assert client.llen(f"{settings.namespace}:maintenance") == 1
    with Session(ensure_schema(settings)) as session:
        jobs = session.exec(select(Job).where(Job.actor == "health_check")).all()
    assert [job.state for job in jobs] == ["enqueued"]
    last = FireLog(client, settings.namespace).last("user", added["id"])
    # The lock and the record are for the run time APScheduler fired, and name the job.
    assert (last.tick, last.job_id) == (due.timestamp(), jobs[0].id)
    assert listed(leadq)[added["id"]]["last_job"] == jobs[0].id


@pytest.mark.redis
def test_a_scrape_schedule_fires_by_enqueueing_its_stored_request(redis_settings, use_settings, leadq):
    settings = use_settings(redis_settings)
    added = add(leadq, "scrape", "--source", "craigslist", "--site", "sfbay", "--max", "7", cron=YEARLY)
    client, _ = _fire_now(settings, added["id"], "scrape")
    assert client.llen(f"{settings.namespace}:scrape") == 1  # enqueued for a worker, nothing fetched
    with Session(ensure_schema(settings)) as session:
        [run] = session.exec(select(ScrapeRun)).all()
        [job] = session.exec(select(Job).where(Job.actor == "scrape_search")).all()
    assert (run.source, run.site, run.job_id, job.state) == ("craigslist", "sfbay", job.id, "enqueued")
    [message_id] = client.lrange(f"{settings.namespace}:scrape", 0, -1)
    message = json.loads(client.hget(f"{settings.namespace}:scrape.msgs", message_id))
    assert message["args"][1:3] == ["https://sfbay.craigslist.org/search/sss", 7]


def _store_legacy(settings, schedule_id: str, name: str, **kwargs) -> None:
    """The row an earlier version stored: its function took the spec and an argv or a request."""
    with schedule_store(settings) as store:
        job = store.add_job(
            LEGACY_FIRE_FUNC,
            LeadqCronTrigger("* * * * *", "UTC"),
            id=schedule_id,
            name=name,
            kwargs={"request": ""},
        )
        state = job.__getstate__()
    state["kwargs"] = {"schedule_id": schedule_id, "spec": "* * * * *", "timezone": "UTC", **kwargs}
    with ensure_schema(settings).begin() as connection:
        connection.execute(
            text(f"UPDATE {TABLE} SET job_state = :state WHERE id = :id"),
            {"state": pickle.dumps(state, pickle.HIGHEST_PROTOCOL), "id": schedule_id},
        )


@pytest.mark.redis
def test_schedules_stored_by_earlier_versions_load_and_are_upgraded_to_typed_requests(
    redis_settings, use_settings
):
    settings = use_settings(redis_settings)
    command = {"kind": "command", "path": ["schedule", "run"], "params": {"name": "health_check"}}
    _store_legacy(settings, "argv0001", "schedule run health_check", argv=["schedule", "run", "health_check"])
    _store_legacy(settings, "cmd00001", "schedule run health_check", request=json.dumps(command))
    other = {"kind": "command", "path": ["job", "list"], "params": {}}
    _store_legacy(settings, "cmd00002", "job list", request=json.dumps(other))
    with schedule_store(settings) as store:
        legacy = {s.id: s for s in list_schedules(store)}
        assert legacy["argv0001"].command == "leadq schedule run health_check" and legacy["argv0001"].legacy
        upgrade_stored(store)
        upgraded = {s.id: s for s in list_schedules(store)}
    for schedule_id in ("argv0001", "cmd00001"):
        assert json.loads(upgraded[schedule_id].request) == {"kind": "actor", "actor": "health_check"}
        assert not upgraded[schedule_id].legacy and not upgraded[schedule_id].paused
    # A command no schedule can run any more is kept, paused, for the user to see and remove.
    assert upgraded["cmd00002"].paused and upgraded["cmd00002"].legacy
    with schedule_store(settings) as store:
        store.remove_job("cmd00001")
        store.remove_job("cmd00002")
    client, _ = _fire_now(settings, "argv0001", "maintenance")
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
