"""The daily step: views of agents' states kept right as days pass (Art. 7, 8, 21).

The worker is given a clock the test moves: no event is recorded between the days, yet
the attaché's term ends, the renewal decided early counts from its term, the head kept
beyond his extension is listed, and each view says the day it is as of. After each
passage of days the views equal a rebuild on the later day (both backends).
"""

from __future__ import annotations

from datetime import date

from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAgent,
    DesignateHeadOfPost,
    EnterFunctions,
    ExtendService,
    PostAgent,
    RegisterAgent,
    RenewAppointment,
    SwearOath,
)
from agent_records.readside import named
from projections.engine.base import DAY_TRACKING
from projections.engine.runner import Worker
from projections.views.deadlines import DeadlineQuery, DeadlinesView, due_between
from tests.careers import on, open_legation, serving_attache
from tests.projections.helpers import NAMES, assert_equals_rebuild, by_id


def head_kept_one_year(app: AgentRecords) -> str:
    """An envoy born on 5 May 1900, head at Brussels, kept to 5 May 1966 (Art. 21)."""
    envoy = app.handle(RegisterAgent(on("1947-06-01"), full_name="Marie Weber",
                                     birth_date=date(1900, 5, 5), nationality="LU"))
    aid = envoy.aggregate_id
    app.handle(AppointAgent(aid, on("1948-09-01"), grade="envoye",
                            council_deliberation_ref="Conseil 1948/1"))
    app.handle(SwearOath(aid, on("1948-09-01")))
    app.handle(EnterFunctions(aid, on("1948-09-01")))
    app.handle(PostAgent(aid, on("1948-09-01"), kind="abroad", post_code="BRU"))
    app.handle(DesignateHeadOfPost(aid, on("1948-09-02"), post_code="BRU"))
    app.handle(ExtendService(aid, on("1965-05-05", decision_reference="AGD P1"),
                             until=date(1966, 5, 5)))
    return str(aid)


def test_views_follow_the_days(records: AgentRecords) -> None:
    app = records
    open_legation(app)
    attache = serving_attache(app)  # appointed on 1 July 1948 for a year (Art. 7)
    app.handle(RenewAppointment(attache, on("1948-07-10", decision_reference="AGD R1")))
    envoy = head_kept_one_year(app)
    day = [date(1949, 6, 30)]
    worker = Worker(app, named(NAMES), today=lambda: day[0])
    worker.run_once()
    store, a = worker.store, str(attache)

    row = by_id(store, "agents")[a]
    assert (row["status"], row["renewals"], row["next_renewal_due"]) == ("serving", 0, "1950-07-01")
    assert {s.name: s.as_of_day for s in worker.status()}["agents"] == date(1949, 6, 30)

    day[0] = date(1949, 7, 1)  # the renewal decided in 1948 takes effect (Art. 8)
    worker.run_once()
    assert by_id(store, "agents")[a]["renewals"] == 1
    assert_equals_rebuild(app, today=lambda: day[0])

    day[0] = date(1950, 7, 1)  # the renewed term ends; nobody recorded a lapse (Art. 7)
    assert worker.daily(worker.views[0], day[0]) == 1, "only the attaché was due"
    assert worker.daily(worker.views[0], day[0]) == 0, "a day is applied once"
    worker.run_once()
    row = by_id(store, "agents")[a]
    assert (row["status"], row["post_code"], row["service_end"]) == ("lapsed", None, "1950-07-01")
    assert [r["until"] for r in by_id(store, "roster", many=True)[a]] == ["1950-07-01"]
    assert all(s.as_of_day == date(1950, 7, 1) for s in worker.status()
               if s.name in ("agents", "posts", "leave", "breaches"))
    assert_equals_rebuild(app, today=lambda: day[0])

    day[0] = date(1966, 5, 6)  # the extension's year is over, no new one (Art. 21)
    worker.run_once()
    assert by_id(store, "agents")[envoy]["status"] == "retired"
    breaches = by_id(store, "breaches", many=True)[envoy]
    assert [(b["code"], b["article"], b["on_date"]) for b in breaches] == [
        ("serving_beyond_65", "Art. 21", "1966-05-06")]
    assert_equals_rebuild(app, today=lambda: day[0])
    assert store.position("agents" + DAY_TRACKING) == date(1966, 5, 6).toordinal()


def test_deadlines_in_order_of_date(records: AgentRecords) -> None:
    app = records
    open_legation(app)
    aid = serving_attache(app)
    attache, envoy = str(aid), head_kept_one_year(app)
    worker = Worker(app, [DeadlinesView])
    worker.run_once()
    rows, total = due_between(worker.store, DeadlineQuery(date(1949, 1, 1), date(1970, 1, 1)),
                              0, 10)
    assert [(r.agent_id, r.kind, r.due_on, r.post_code, r.article) for r in rows] == [
        (attache, "term_end", "1949-07-01", "BRU", "Art. 7"),
        (envoy, "age_limit", "1965-05-05", "BRU", "Art. 21"),
        (envoy, "extension_end", "1966-05-05", "BRU", "Art. 21"),
    ]
    assert total == 3
    only, _ = due_between(worker.store, DeadlineQuery(date(1949, 1, 1), date(1970, 1, 1),
                                                      kind="extension_end"), 0, 10)
    assert [r.due_on for r in only] == ["1966-05-05"]
    app.handle(RenewAppointment(aid, on("1949-06-01", decision_reference="AGD R1")))
    worker.run_once()  # the renewal moves the term's end a year on
    rows, _ = due_between(worker.store, DeadlineQuery(date(1949, 1, 1), date(1951, 1, 1),
                                                      post_code="BRU"), 0, 10)
    assert [(r.kind, r.due_on) for r in rows] == [("term_end", "1950-07-01")]
