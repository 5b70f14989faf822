"""`leadq top` fits an 80x24 terminal without cutting names, and prints everything off a terminal."""

from __future__ import annotations

import os

from leadq.cli.console import print_whole
from leadq.cli.top import render_frame
from rich.console import Console

from leadq.core.queues import QueueStats
from leadq.core.vocabulary import QUEUES
from leadq.ops.maintenance import Health
from leadq.ops.top_snapshot import WINDOWS, ActorStats, ErrorLine, Snapshot

NOW = 1_800_000_000.0
ACTORS = [
    "process_due_campaign_steps",
    "daily_campaign_analytics",
    "update_campaign_metrics",
    "scrape_search",
    "scrape_listing",
    "enrich_lead",
    "audit_website",
    "audit_pending",
    "send_outreach_email",
    "health_check",
    "cleanup_job_history",
    "build_demo_site",
]
URL = "https://very-long-business-name.example.com/" + "path/" * 10


def busy_snapshot() -> Snapshot:
    """A busy day: every queue deep, twelve actors, five errors with long messages."""
    actors = [
        ActorStats(name, dict.fromkeys(WINDOWS, (120 * (n + 1), n)), 12.0 * n, 4000.0 + n)
        for n, name in enumerate(ACTORS)
    ]
    errors = [
        ErrorLine(
            NOW - n, ACTORS[0], f"0b8f3c2e-6d1a-4f7b-9c2d-{n:012d}", "dead", f"ParseError: 404 for {URL}"
        )
        for n in range(5)
    ]
    queues = [QueueStats(q, 123456, 3, 8, 2) for q in QUEUES]
    health = Health(NOW, True, 1.0, True, 2.0, ())
    return Snapshot(NOW, queues, ["host-a:1234", "host-b:99"], actors, errors, health)


def draw(width: int, height: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))
    console.print(render_frame(busy_snapshot(), width=width, height=height), crop=True)
    return console.export_text().rstrip("\n").split("\n")


def test_a_busy_frame_fits_80_by_24_with_names_whole_and_the_last_errors_on_screen():
    lines = draw(80, 24)
    assert len(lines) <= 23, "\n".join(lines)  # the last line stays free: a full screen scrolls
    assert max(map(len, lines)) <= 80
    text = "\n".join(lines)
    assert "maintenance" in text and "123456" in text
    shown = [name for name in ACTORS if any(line.startswith(name + " ") for line in lines)]
    assert shown == ACTORS[: len(shown)] and len(shown) >= 3
    assert f"+{len(ACTORS) - len(shown)} more" in text
    errors = lines[lines.index("last errors") + 2 :]
    assert len(errors) == 5
    assert all(line.startswith(f"{line[:8]}  {ACTORS[0]}  0b8f3c2e  dead ParseError") for line in errors)


def test_a_taller_terminal_shows_more_actors():
    assert sum(line.startswith(tuple(ACTORS)) for line in draw(100, 40)) > sum(
        line.startswith(tuple(ACTORS)) for line in draw(80, 24)
    )


def test_off_a_terminal_every_actor_id_and_error_is_whole(capsys):
    print_whole(render_frame(busy_snapshot()))
    text = capsys.readouterr().out
    assert all(name in text for name in ACTORS)
    assert "0b8f3c2e-6d1a-4f7b-9c2d-000000000004" in text
    assert URL in text


def test_hostile_error_text_is_printed_as_text(capsys):
    snapshot = busy_snapshot()
    hostile = ErrorLine(
        NOW, "scrape_listing", "job-1", "dead", "ParseError: Acme [/] [bold]Sons\x1b]0;pwned\x07"
    )
    snapshot = Snapshot(NOW, snapshot.queues, [], snapshot.actors, [hostile], snapshot.health)
    print_whole(render_frame(snapshot))
    text = capsys.readouterr().out
    assert "\x1b" not in text and "\x07" not in text
    assert "ParseError: Acme [/] [bold]Sons\\x1b]0;pwned\\x07" in text
