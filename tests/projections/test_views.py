"""Each view after a scripted career: an envoy heading Brussels, an attaché renewed three
times (urgency leave never notified, marriage without authorisation, a leave whose end
date is corrected, a posting annulled, promotion, chargé d'affaires a.i.) and an attaché
whose term lapses. Recorded through the application; the views built by ``Worker``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from agent_records.application import AgentRecords
from agent_records.domain.commands import (
    AppointAgent,
    CorrectEvent,
    DesignateChargeDAffaires,
    DesignateHeadOfPost,
    EnterFunctions,
    GrantLeave,
    PostAgent,
    Promote,
    RecordAbsence,
    RecordLapse,
    RecordMarriage,
    RegisterAgent,
    RenewAppointment,
    SwearOath,
)
from agent_records.readside import named
from projections.engine.runner import Worker
from projections.engine.store import ViewStore
from tests.careers import on, open_legation, serving_attache
from tests.projections.helpers import NAMES, rows, select


@dataclass
class Script:
    """The people of the script and the versions of the events the views key on."""

    envoy: UUID
    attache: UUID
    lapsing: UUID
    urgency: int
    wrong_posting: int
    marriage: int
    leave: int


def record_first_part(app: AgentRecords) -> Script:
    open_legation(app, "BRU", "Bruxelles", "BE")
    open_legation(app, "PAR", "Paris", "FR")
    envoy = app.handle(RegisterAgent(on("1948-06-01"), full_name="Paul Welter",
                                     birth_date=date(1895, 4, 2), nationality="LU")).aggregate_id
    app.handle(AppointAgent(envoy, on("1948-09-01", decision_reference="AGD 1948/E"),
                            grade="envoye",
                            council_deliberation_ref="Conseil de gouvernement 1948/31"))
    app.handle(SwearOath(envoy, on("1948-09-01")))
    app.handle(EnterFunctions(envoy, on("1948-09-01")))
    app.handle(PostAgent(envoy, on("1948-09-01"), kind="abroad", post_code="BRU"))
    app.handle(DesignateHeadOfPost(envoy, on("1948-09-02"), post_code="BRU"))
    aid = serving_attache(app)  # born 1920-03-01, attaché from 1948-07-01 at BRU
    urgency = app.handle(GrantLeave(aid, on("1949-02-10"), end_date=date(1949, 2, 14),
                                    kind="urgency", granted_by="head_of_post")).version
    for year in (1949, 1950, 1951):
        app.handle(RenewAppointment(aid, on(f"{year}-07-01", decision_reference=f"AGD {year}/R")))
    wrong = app.handle(PostAgent(aid, on("1949-03-01"), kind="abroad", post_code="PAR")).version
    marriage = app.handle(RecordMarriage(aid, on("1950-05-01"), spouse_name="Claire Hansen",
                                         spouse_nationality="LU")).version
    leave = app.handle(GrantLeave(aid, on("1950-08-01", decision_reference="AM 1950/L1"),
                                  end_date=date(1950, 8, 22), travel_days=2)).version
    lapsing = serving_attache(app, born="1921-05-10", appointed="1948-09-01", post="PAR")
    return Script(envoy, aid, lapsing, urgency, wrong, marriage, leave)


def record_second_part(app: AgentRecords, s: Script) -> dict[str, int]:
    """Corrections, promotion, the head's leave and a chargé a.i., the lapse of a term."""
    fix_leave = app.handle(CorrectEvent(s.attache, on("1950-08-01", reason="end date misread"),
                                        corrected_version=s.leave,
                                        changes={"end_date": date(1950, 8, 19)})).version
    annul = app.handle(CorrectEvent(s.attache, on("1949-03-01", reason="posted by mistake"),
                                    corrected_version=s.wrong_posting, annulled=True)).version
    app.handle(Promote(s.attache, on("1951-08-01", decision_reference="AGD 1951/G"),
                       to_grade="secretaire"))
    app.handle(GrantLeave(s.envoy, on("1952-07-01"), end_date=date(1952, 7, 20), travel_days=2,
                          granted_by="sovereign"))
    charge = app.handle(DesignateChargeDAffaires(
        s.attache, on("1952-07-01"), post_code="BRU", designated_by="head_of_post",
        end_date=date(1952, 7, 20), ground="leave")).version
    lapse = app.handle(RecordLapse(s.lapsing, on("1949-09-15", reason="term not renewed"))).version
    return {"fix_leave": fix_leave, "annul": annul, "charge": charge, "lapse": lapse}


def by_agent(store: ViewStore, table: str, order: str = "agent_id") -> dict[str, dict]:
    return {r["agent_id"]: r for r in rows(store, table, order)}


def test_views_follow_the_career_and_apply_corrections(records: AgentRecords) -> None:
    app = records
    script = record_first_part(app)
    day = [date(1949, 8, 1)]  # the views' clock: the lapsing attaché's term still runs
    worker = Worker(app, named(NAMES), today=lambda: day[0])
    assert worker.run_once() > 0
    store = worker.store
    a, b = str(script.attache), str(script.lapsing)

    agents = by_agent(store, "agents")
    assert agents[a]["status"] == "serving" and agents[a]["post_code"] == "PAR"
    assert (agents[a]["renewals"], agents[a]["next_renewal_due"]) == (3, "1952-07-01")
    assert agents[a]["eligible_for_promotion"] == 1
    assert (agents[b]["status"], agents[b]["next_renewal_due"]) == ("serving", "1949-09-01")
    taken_1950 = select(store, f"SELECT taken FROM {store.table('leave_years')} "
                        "WHERE agent_id = ? AND year = 1950", (a,))
    assert taken_1950 == [{"taken": 20}]
    assert any(r["post_code"] == "PAR" for r in rows(store, "roster", "since")
               if r["agent_id"] == a)

    later = record_second_part(app, script)
    day[0] = date(1952, 8, 1)
    assert worker.run_once() > 0
    assert_agents(store, script)
    assert_posts(store, script, later["charge"])
    assert_leave(store, script)
    assert_breaches(store, script)
    assert_audit_log(app, store, script, later)


def assert_agents(store: ViewStore, s: Script) -> None:
    agents = by_agent(store, "agents")
    assert len(agents) == 3
    a, b, e = agents[str(s.attache)], agents[str(s.lapsing)], agents[str(s.envoy)]
    assert (a["grade"], a["status"], a["post_code"], a["head_of_post"]) == (
        "secretaire", "serving", "BRU", None)
    assert (a["renewals"], a["next_renewal_due"], a["eligible_for_promotion"]) == (3, None, 0)
    assert (a["sixty_fifth_birthday"], a["oath_sworn"], a["pledged"]) == ("1985-03-01", 1, 1)
    assert (b["grade"], b["status"], b["post_code"], b["renewals"]) == (
        "attache", "lapsed", None, 0)
    assert (b["next_renewal_due"], b["eligible_for_promotion"]) == (None, 0)
    # the term was over on 1 September 1949 (Art. 7): the lapse recorded later agrees
    assert (b["service_end"], b["sixty_fifth_birthday"]) == ("1949-09-01", "1986-05-10")
    assert (e["grade"], e["status"], e["post_code"], e["head_of_post"]) == (
        "envoye", "serving", "BRU", "BRU")
    assert (e["sixty_fifth_birthday"], e["next_renewal_due"]) == ("1960-04-02", None)


def assert_posts(store: ViewStore, s: Script, charge: int) -> None:
    a, b, e = str(s.attache), str(s.lapsing), str(s.envoy)
    assert rows(store, "posts", "post_code") == [
        {"post_code": "BRU", "name": "Légation à Bruxelles", "city": "Bruxelles",
         "country": "BE", "kind": "legation", "opened_on": "1948-01-01"},
        {"post_code": "PAR", "name": "Légation à Paris", "city": "Paris", "country": "FR",
         "kind": "legation", "opened_on": "1948-01-01"},
    ]
    roster = [(r["post_code"], r["agent_id"], r["since"], r["until"], r["grade"])
              for r in rows(store, "roster", "post_code, since, agent_id")]
    assert sorted(roster, key=str) == sorted([  # the annulled posting to Paris is gone
        ("BRU", a, "1948-07-01", "1951-08-01", "attache"),
        ("BRU", a, "1951-08-01", None, "secretaire"),
        ("BRU", e, "1948-09-01", None, "envoye"),
        ("PAR", b, "1948-09-01", "1949-09-01", "attache"),  # the term ended (Art. 7)
    ], key=str)
    heads = rows(store, "heads_of_post", "post_code, since")
    assert heads == [{"post_code": "BRU", "agent_id": e, "since": "1948-09-02", "until": None}]
    assert rows(store, "charges", "since") == [
        {"post_code": "BRU", "agent_id": a, "version": charge, "since": "1952-07-01",
         "until": "1952-07-20", "designated_by": "head_of_post"}]


def assert_leave(store: ViewStore, s: Script) -> None:
    a = str(s.attache)
    years = [(r["year"], r["entitlement"], r["carried_over"], r["taken"], r["travel_days"],
              r["urgency_unnotified"])
             for r in rows(store, "leave_years", "agent_id, year") if r["agent_id"] == a]
    assert years == [
        (1948, 30, 0, 0, 0, 0),
        (1949, 30, 30, 5, 0, 1),     # the urgency leave, never notified
        (1950, 30, 55, 17, 2, 0),    # 17 days: the corrected end date, not 20
        (1951, 30, 68, 0, 0, 0),
        (1952, 30, 90, 0, 0, 0),     # carry-over capped at three months
    ]
    leaves = [(r["version"], r["kind"], r["start_date"], r["end_date"], r["travel_days"],
               r["counted_days"], r["granted_by"], r["notified_on"])
              for r in rows(store, "leaves", "agent_id, version") if r["agent_id"] == a]
    assert leaves == [
        (s.urgency, "urgency", "1949-02-10", "1949-02-14", 0, 5, "head_of_post", None),
        (s.leave, "annual", "1950-08-01", "1950-08-19", 2, 17, "minister", None),
    ]
    envoy = [r for r in rows(store, "leaves", "version") if r["agent_id"] == str(s.envoy)]
    assert [(r["start_date"], r["granted_by"]) for r in envoy] == [("1952-07-01", "sovereign")]


def assert_breaches(store: ViewStore, s: Script) -> None:
    found = [(r["agent_id"], r["version"], r["code"], r["article"], r["on_date"])
             for r in rows(store, "breaches", "agent_id, version, code")]
    a = str(s.attache)
    assert sorted(found, key=str) == sorted([
        (a, s.urgency, "urgency_leave_not_notified", "Art. 16", "1949-02-10"),
        (a, s.marriage, "marriage_without_authorisation", "Art. 13", "1950-05-01"),
    ], key=str)


def assert_audit_log(app: AgentRecords, store: ViewStore, s: Script,
                     later: dict[str, int]) -> None:
    log = rows(store, "audit_log", "position")
    notes = list(app.recorder.select_notifications(1, 10_000))
    assert [r["position"] for r in log] == [n.id for n in notes]
    for row, note in zip(log, notes, strict=True):
        e = app.mapper.to_domain_event(note)
        assert (row["stream_id"], row["version"], row["event_type"]) == (
            str(e.originator_id), e.originator_version, type(e).__name__)
        assert (row["actor_id"], row["actor_role"]) == ("clerk-1", "hr_clerk")
        assert (row["legal_basis"], row["effective_date"]) == (
            e.legal_basis, e.effective_date.isoformat())
        assert row["recorded_at"] == e.timestamp.isoformat()
    a = str(s.attache)
    mine = {r["version"]: r for r in log if r["stream_id"] == a}
    leave, fix = mine[s.leave], mine[later["fix_leave"]]
    assert (leave["legal_basis"], leave["decision_reference"]) == ("Art. 15", "AM 1950/L1")
    assert (leave["corrected_by"], leave["corrects_version"]) == (later["fix_leave"], None)
    assert (fix["event_type"], fix["legal_basis"], fix["reason"]) == (
        "EventCorrected", "Correction", "end date misread")
    assert (fix["corrects_version"], fix["corrected_by"]) == (s.leave, None)
    wrong, annul = mine[s.wrong_posting], mine[later["annul"]]
    assert (wrong["post_code"], wrong["corrected_by"]) == ("PAR", later["annul"])
    assert (annul["post_code"], annul["corrects_version"]) == ("PAR", s.wrong_posting)
    corrected = [(r["stream_id"], r["version"]) for r in log if r["corrected_by"] is not None]
    assert sorted(corrected) == sorted([(a, s.leave), (a, s.wrong_posting)])
    lapse = [r for r in log if r["stream_id"] == str(s.lapsing)][-1]
    assert (lapse["event_type"], lapse["legal_basis"], lapse["effective_date"]) == (
        "TermLapsed", "Art. 7", "1949-09-15")
    assert (lapse["version"], lapse["reason"]) == (later["lapse"], "term not renewed")
    opened = [r for r in log if r["event_type"] == "PostOpened"]
    assert [(r["post_code"], r["stream_kind"]) for r in opened] == [
        ("BRU", "post"), ("PAR", "post")]


def test_breaches_list_absences_not_lawful_exceptional_leave(records: AgentRecords) -> None:
    """Art. 18: a leave beyond the regular one, by ministerial decree after the Council's
    deliberation, is lawful: not a breach. Art. 14: an absence without leave is."""
    open_legation(records, "BRU", "Bruxelles", "BE")
    aid = serving_attache(records)
    records.handle(GrantLeave(aid, on("1949-01-10", decision_reference="AM 1949/X"),
                              end_date=date(1949, 4, 30), kind="exceptional",
                              council_deliberation_ref="Conseil 1949/3"))
    away = records.handle(RecordAbsence(aid, on("1949-06-01"),
                                        end_date=date(1949, 6, 3))).version
    worker = Worker(records, named(NAMES))
    assert worker.run_once() > 0
    found = [(r["agent_id"], r["version"], r["code"], r["article"], r["on_date"])
             for r in rows(worker.store, "breaches", "agent_id, version, code")]
    assert found == [(str(aid), away, "absent_without_leave", "Art. 14", "1949-06-01")]
