"""The timeline's layout (``web.timeline``), without a server: every item inside the
drawing and in its lane, bands never ending before they start, corrections applied, and
marriage marks only for a role that reads marriage data. Hypothesis draws careers of
random events in random order of dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_records.web.timeline import LEFT, MARKS, RIGHT, WIDTH, timeline

TODAY = date(1990, 1, 1)
KINDS = ["AttacheAppointed", "Promoted", "Posted", "LeaveGranted", "EventCorrected",
         "AbsenceFromPostRecorded", *MARKS]


def event(version: int, kind: str, day: date, payload: dict[str, Any] | None,
          corrected_by: list[int] | None = None) -> dict[str, Any]:
    return {"version": version, "type": kind, "effectiveDate": day.isoformat(),
            "recordedAt": "2026-01-01T00:00:00+00:00", "legalBasis": "Art. 7",
            "corrects": None, "correctedBy": corrected_by or [], "payload": payload}


def payload_of(kind: str, day: date, rnd: int) -> dict[str, Any] | None:
    if rnd % 5 == 0:
        return None  # withheld from the role
    later = (day + timedelta(days=rnd % 400)).isoformat()
    return {"Promoted": {"to_grade": "secretaire"},
            "Posted": {"kind": "abroad", "post_code": ["BRU", "PAR", None][rnd % 3],
                       "until": later if rnd % 2 else None},
            "LeaveGranted": {"kind": "annual", "end_date": later},
            "AbsenceFromPostRecorded": {"end_date": later},
            "EventCorrected": {"corrected_version": 1 + rnd % 7,
                               "changes": {"end_date": later}, "annulled": rnd % 7 == 0},
            }.get(kind, {})


careers = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 20_000),
                             st.integers(0, 10_000)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(careers, st.booleans())
def test_every_item_is_inside_the_drawing(drawn: list[tuple[str, int, int]],
                                          reads_marriage: bool) -> None:
    start = date(1948, 1, 1)
    events = [event(v, kind, start + timedelta(days=days),
                    payload_of(kind, start + timedelta(days=days), rnd))
              for v, (kind, days, rnd) in enumerate(sorted(drawn, key=lambda d: d[1]), 1)]
    laid = timeline(events, reads_marriage, TODAY)
    lanes = dict(laid.lanes)
    for item in laid.items:
        assert LEFT <= item.x <= WIDTH - RIGHT
        assert item.y == lanes[item.lane]
        if item.end is not None:
            assert item.end >= item.start and item.x + item.width <= WIDTH - RIGHT + 2
        assert reads_marriage or item.kind != "marriage"
        assert item.text.startswith(item.label)
    assert laid.height >= len(laid.lanes) * 30


def test_a_correction_is_applied_and_marked() -> None:
    day = date(1950, 8, 1)
    events = [event(1, "AttacheAppointed", date(1948, 7, 1), None),
              event(2, "LeaveGranted", day, {"kind": "annual", "end_date": "1950-08-22"},
                    corrected_by=[3]),
              event(3, "EventCorrected", day, {"corrected_version": 2, "annulled": False,
                                               "changes": {"end_date": "1950-08-19"}}),
              event(4, "MarriageAuthorised", date(1951, 1, 1), None),
              event(5, "Retired", date(1960, 1, 1), {})]
    laid = timeline(events, False, TODAY)
    leave = next(i for i in laid.items if i.kind == "leave")
    assert (leave.end, leave.corrected_by) == (date(1950, 8, 19), [3])
    assert "corrected by #3" in leave.text
    grade = next(i for i in laid.items if i.kind == "grade")
    assert grade.end == date(1960, 1, 1)  # ends at retirement, not today
    assert [i.kind for i in laid.items] == ["grade", "leave", "retirement"]  # no marriage
    assert "marriage" in [i.kind for i in timeline(events, True, TODAY).items]
