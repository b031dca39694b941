"""An agent's career as a timeline, laid out here and drawn as inline SVG by a template.

Built from the ``AgentTimeline`` operation's events as the signed-in role may read them:
an event whose payload is withheld is drawn only when its type alone says what it is (an
appointment as attaché, a renewal, the oath); marriage marks only for a role that reads
marriage data (``domain.classification``); discipline only when its payload was readable.
Corrections are applied (a corrected leave is drawn with its corrected end) and marked;
an annulled event is drawn struck through. Lanes: the grade, one per post (postings as
bands), leave, and the single events (oath, renewals, titles, marriage, retirement...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agent_records.web import labels
from agent_records.web.languages import N_

WIDTH, LEFT, RIGHT, TOP, LANE = 960, 130, 16, 28, 30
"""The drawing's geometry in SVG units: total width, the lanes' label column, the right
margin, the years' axis, and each lane's height."""

MARK_GAP = 11.0
"""The least distance between two marks' centres: marks closer in time are set apart
(their ``<title>`` and the text alternative keep their exact dates)."""

GRADE_OF_TYPE = {"AttacheAppointed": "ATTACHE"}
MARKS = {
    "AgentRegistered": ("registered", N_("Registered")),
    "HonourPledged": ("pledge", N_("Pledge of honour")),
    "OathSworn": ("oath", N_("Oath sworn")),
    "FunctionsEntered": ("functions", N_("Entered into functions")),
    "AppointmentRenewed": ("renewal", N_("Appointment renewed")),
    "TermLapsed": ("lapse", N_("Term lapsed")),
    "TitleConferred": ("title", N_("Title conferred")),
    "HonoraryTitleConferred": ("honorary", N_("Honorary title")),
    "MarriageAuthorisationRequested": ("marriage", N_("Marriage authorisation requested")),
    "MarriageAuthorised": ("marriage", N_("Marriage authorised")),
    "MarriageAuthorisationRefused": ("marriage", N_("Marriage authorisation refused")),
    "MarriageRecorded": ("marriage", N_("Marriage")),
    "UrgencyLeaveNotified": ("notice", N_("Urgency leave notified")),
    "HeadOfPostDesignated": ("head", N_("Head of post")),
    "ChargeDAffairesDesignated": ("charge", "chargé d'affaires a.i."),
    "Resigned": ("resignation", N_("Resigned")),
    "Retired": ("retirement", N_("Retired")),
    "ServiceExtended": ("extension", N_("Service extended beyond 65")),
    "DisciplinaryReferral": ("discipline", N_("Referred to discipline")),
    "DisciplinaryDecision": ("discipline", N_("Disciplinary decision")),
}
"""Events drawn as a mark on the events' lane: their kind (a CSS class) and label (a
msgid, translated where shown; the decree's term stays French)."""
LEAVES = {"annual": N_("Annual leave"), "urgency": N_("Urgency leave"),
          "exceptional": N_("Exceptional leave")}
LANES = (N_("Grade"), N_("Leave"), N_("Events"))
"""The lanes' names (msgids); a posting's lane is named by its post's code."""
ENDINGS = {"TermLapsed", "Resigned", "Retired"}
MARRIAGE = {k for k, (kind, _) in MARKS.items() if kind == "marriage"}
NEEDS_PAYLOAD = {"DisciplinaryReferral", "DisciplinaryDecision", "AbsenceFromPostRecorded"}


@dataclass
class Item:
    """One band (``end`` set) or mark (``end`` None) of the timeline, with its place."""

    lane: str
    kind: str
    label: str
    """A msgid (or a grade's French name), translated where shown."""
    start: date
    end: date | None
    version: int
    article: str
    corrected_by: list[int] = field(default_factory=list)
    annulled: bool = False
    detail: str = ""
    """What follows the label untranslated (a post's code, a title)."""
    x: float = 0.0
    width: float = 0.0
    y: float = 0.0

    @property
    def text(self) -> str:
        """The item in words: the SVG's ``<title>`` and the text alternative's line."""
        when = f"{self.start} to {self.end}" if self.end else f"{self.start}"
        extra = "".join(f"; corrected by #{v}" for v in self.corrected_by)
        if self.annulled:
            extra += "; annulled"
        label = f"{self.label}: {self.detail}" if self.detail else self.label
        return f"{label}: {when} ({self.article}, event #{self.version}{extra})"


@dataclass
class Timeline:
    """The laid-out timeline: lanes (name, y), items, year ticks (year, x), height."""

    lanes: list[tuple[str, float]]
    items: list[Item]
    ticks: list[tuple[int, float]]
    height: float
    width: float = WIDTH
    start: date | None = None
    end: date | None = None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def corrected(events: list[dict[str, Any]]) -> dict[int, tuple[dict[str, Any], bool]]:
    """Each correction's changes applied to the payload it corrects: version ->
    (payload, annulled). A withheld payload or change stays as it was (None)."""
    payloads: dict[int, tuple[dict[str, Any], bool]] = {
        e["version"]: (dict(e["payload"] or {}), False) for e in events}
    for e in events:
        if e["type"] != "EventCorrected" or e["payload"] is None:
            continue
        target = e["payload"].get("corrected_version")
        if target in payloads:
            payload, annulled = payloads[target]
            payload.update(e["payload"].get("changes") or {})
            payloads[target] = (payload, annulled or bool(e["payload"].get("annulled")))
    return payloads


def items_of(events: list[dict[str, Any]], reads_marriage: bool, today: date
             ) -> list[Item]:
    """The bands and marks of a career, in the events' order; open bands end at the
    career's end (retirement, resignation, lapse) or ``today``."""
    fixed = corrected(events)
    found: list[Item] = []
    grade: Item | None = None
    posting: Item | None = None
    finish = today

    def close(band: Item | None, on: date) -> None:
        if band is not None and band.end is None:
            band.end = max(on, band.start)

    for e in events:
        kind, version = e["type"], e["version"]
        start = _date(e["effectiveDate"])
        if start is None or kind == "EventCorrected":
            continue
        payload, annulled = fixed[version]
        readable = e["payload"] is not None
        common = {"version": version, "article": e.get("legalBasis") or "",
                  "corrected_by": list(e.get("correctedBy") or []), "annulled": annulled}
        new_grade = GRADE_OF_TYPE.get(kind) or (
            (payload.get("grade") if kind == "AgentAppointed" else None)
            or (payload.get("to_grade") if kind == "Promoted" else None))
        if new_grade:
            close(grade, start)
            grade = Item("Grade", "grade", labels.grade(str(new_grade).upper()), start, None,
                         **common)
            grade.end = None
            found.append(grade)
        elif kind == "Posted" and readable:
            close(posting, start)
            lane = payload.get("post_code") or labels.words(str(payload.get("kind")))
            until = _date(payload.get("until"))
            posting = Item(str(lane), "posting", N_("Posted"), start,
                           max(until, start) if until else None, detail=str(lane), **common)
            found.append(posting)
            if posting.end is not None:
                posting = None
        elif kind in ("LeaveGranted", "AbsenceFromPostRecorded") and readable:
            label = (LEAVES.get(str(payload.get("kind")), N_("Leave"))
                     if kind == "LeaveGranted" else N_("Absence without leave"))
            end = max(_date(payload.get("end_date")) or start, start)
            found.append(Item("Leave", "leave" if kind == "LeaveGranted" else "absence",
                              label, start, end, **common))
        elif kind in MARKS:
            if kind in MARRIAGE and not reads_marriage:
                continue
            if kind in NEEDS_PAYLOAD and not readable:
                continue
            mark, label = MARKS[kind]
            detail = ""
            if kind == "HonoraryTitleConferred" and payload.get("title"):
                detail = str(payload["title"])
            if kind == "TitleConferred" and payload.get("title"):
                detail = labels.grade(str(payload["title"]).upper())
            found.append(Item("Events", mark, label, start, None, detail=detail, **common))
            if kind in ENDINGS:
                finish = start
                close(grade, start)
                close(posting, start)
    close(grade, finish)
    close(posting, finish)
    return found


def lay_out(items: list[Item], today: date) -> Timeline:
    """Places the items: x by date over whole years, y by lane (grade, posts in the order
    first served, leave, events)."""
    if not items:
        return Timeline([], [], [], TOP)
    dates = [d for i in items for d in (i.start, i.end) if d is not None]
    first = date(min(dates).year, 1, 1)
    last = date(max(max(dates), min(today, max(dates) + timedelta(days=366))).year + 1, 1, 1)
    span = max((last - first).days, 1)
    scale = (WIDTH - LEFT - RIGHT) / span

    def x(d: date) -> float:
        return round(LEFT + (d - first).days * scale, 1)

    order = ["Grade", *_unique(i.lane for i in items if i.kind == "posting"), "Leave", "Events"]
    lanes = [lane for lane in order if any(i.lane == lane for i in items)]
    y = {lane: TOP + n * LANE for n, lane in enumerate(lanes)}
    for item in items:
        item.x, item.y = x(item.start), y[item.lane]
        item.width = max(x(item.end) - item.x, 2.0) if item.end else 0.0
    previous = -MARK_GAP
    for mark in sorted((i for i in items if i.end is None), key=lambda i: (i.x, i.version)):
        # marks of one day side by side, not on top of each other
        mark.x = min(max(mark.x, previous + MARK_GAP), WIDTH - RIGHT)
        previous = mark.x
    years = last.year - first.year
    step = 1 if years <= 12 else 5 if years <= 60 else 10
    ticks = [(year, x(date(year, 1, 1))) for year in range(first.year, last.year + 1)
             if year % step == 0 or year == first.year]
    return Timeline([(lane, y[lane]) for lane in lanes], items, ticks,
                    TOP + len(lanes) * LANE + 8, start=first, end=last)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def timeline(events: list[dict[str, Any]], reads_marriage: bool, today: date) -> Timeline:
    """The laid-out timeline of a career's events (``AgentTimeline``'s nodes)."""
    return lay_out(items_of(events, reads_marriage, today), today)
