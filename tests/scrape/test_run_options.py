"""A scrape run stores its options once; its page and listing jobs carry ids, not the spec."""

from __future__ import annotations

from dramatiq import Message

from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.scrape.request import scrape_request
from leadq.scrape.runs import get_run
from tests.scrape.shared_fixtures import directory_spec


def queued(broker, queue: str) -> list[Message]:
    return [Message.decode(data) for data in list(broker.queues[queue].queue)]


def test_a_declarative_scrape_stores_its_spec_on_the_run_and_jobs_carry_the_run_id(
    cli_env, sample_site, tmp_path
):
    _site, base = sample_site
    spec = directory_spec(tmp_path / "yp.toml", base)
    settings = cli_env.model_copy(update={"scrape_rate_limit": 500})  # robots.txt, then the page
    broker = setup_broker(settings, inline=True)
    from leadq.actors.scrape import enqueue_scrape, scrape_search

    request = scrape_request(settings, source_file=spec, query="landscaping", max_listings=3)
    run_id, _job_id, url = enqueue_scrape(settings, request)
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
    assert (run.source, run.options["spec"]["name"], run.options["pipeline"]) == ("mydir", "mydir", False)
    [search] = queued(broker, "scrape")
    assert (search.actor_name, search.args) == ("scrape_search", (run_id, url, 3))

    broker.flush("scrape")
    scrape_search.fn(*search.args)  # one result page: it sends its listings
    listings = queued(broker, "scrape")
    assert len(listings) == 3
    assert {(m.actor_name, len(m.args), m.args[0]) for m in listings} == {("scrape_listing", 2, run_id)}
