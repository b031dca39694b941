"""The council's pages: the audit trail with its filters, the breaches, an agent's
disciplinary file, and the integrity status with one event's inclusion proof.

Thin routes, as ``web.pages``: each turns its query string into an operation's variables
and runs the operation as the signed-in role. What a role may not see is refused by the
API and the page shows the API's message (403): the audit trail and the integrity
status for the roles without the ``audit`` permission, the breaches and the
disciplinary file for every role but the council (discipline data).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from agent_records.api.dependencies import ServicesDep
from agent_records.domain.classification import EVENT_FIELDS
from agent_records.web.access import SessionDep
from agent_records.web.languages import Text
from agent_records.web.operations import OperationFailed
from agent_records.web.pages import OperationsDep
from agent_records.web.render import page, refusal
from agent_records.web.sessions import PATH, Session

AUDIT_PAGE = 50
BREACH_PAGE = 50
EVENT_TYPES = sorted(cls.__name__ for cls in EVENT_FIELDS)
BREACH_CODES = ("marriage_without_authorisation", "absent_without_leave",
                "urgency_leave_notified_late", "urgency_leave_not_notified",
                "serving_beyond_65")
TEXT_FILTERS = {"agent": "agentId", "post": "postCode", "actor": "actorId",
                "article": "article", "event_type": "eventType"}
router = APIRouter(prefix=PATH)


class BadFilter(ValueError):
    """A filter of the form that is not a date or an instant: the field and why."""


def _day(name: str, text: str) -> str | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise BadFilter(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def _instant(name: str, text: str) -> str | None:
    """An instant of the form (``datetime-local``: no zone) read as UTC."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadFilter(f"{name}: {text!r} is not a date and time (YYYY-MM-DDTHH:MM, "
                        "UTC)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def audit_filter(form: dict[str, str]) -> dict[str, Any]:
    """The ``AuditFilter`` of the form's fields (empty ones left out)."""
    found: dict[str, Any] = {key: form[name].strip() for name, key in TEXT_FILTERS.items()
                             if form.get(name, "").strip()}
    if "postCode" in found:
        found["postCode"] = found["postCode"].upper()
    for name, key, read in (("effective_from", "effectiveFrom", _day),
                            ("effective_to", "effectiveTo", _day),
                            ("recorded_from", "recordedFrom", _instant),
                            ("recorded_to", "recordedTo", _instant)):
        value = read(name.replace("_", " "), form.get(name, ""))
        if value:
            found[key] = value
    return found


def _refused(request: Request, session: Session, title: str, failed: OperationFailed
             ) -> Response:
    status = 403 if failed.code == "FORBIDDEN" else 400
    return refusal(request, session, status, title, failed.message)


@router.get("/audit")
async def audit_trail(request: Request, session: SessionDep, services: ServicesDep,
                      operations: OperationsDep, agent: str = "", post: str = "",
                      actor: str = "", article: str = "", event_type: str = "",
                      effective_from: str = "", effective_to: str = "",
                      recorded_from: str = "", recorded_to: str = "",
                      after: str | None = None) -> Response:
    """The audit trail under the form's filters, oldest first, 50 entries a page."""
    form = {"agent": agent, "post": post, "actor": actor, "article": article,
            "event_type": event_type, "effective_from": effective_from,
            "effective_to": effective_to, "recorded_from": recorded_from,
            "recorded_to": recorded_to}
    try:
        variables = {"filter": audit_filter(form), "first": AUDIT_PAGE, "after": after}
    except BadFilter as bad:
        return refusal(request, session, 400, "Audit trail refused", str(bad))
    try:
        answer = await operations.run("AuditTrail", variables, session.principal, services, session)
    except OperationFailed as failed:
        return _refused(request, session, "Audit trail refused", failed)
    query = urlencode({k: v for k, v in form.items() if v})
    return page(request, "audit.html", session, trail=answer.data["auditTrail"], form=form,
                query=query, event_types=EVENT_TYPES)


@router.get("/breaches")
async def breaches(request: Request, session: SessionDep, services: ServicesDep,
                   operations: OperationsDep, code: str = "", after: str | None = None
                   ) -> Response:
    """Every agent's breaches, by date (the council only)."""
    try:
        answer = await operations.run("Breaches", {"code": code.strip() or None,
                                                   "first": BREACH_PAGE, "after": after},
                                      session.principal, services, session)
    except OperationFailed as failed:
        return _refused(request, session, "Breaches refused", failed)
    return page(request, "breaches.html", session, found=answer.data["breaches"],
                code=code.strip(), codes=BREACH_CODES)


@router.get("/agents/{agent_id}/discipline")
async def disciplinary_file(request: Request, agent_id: str, session: SessionDep,
                            services: ServicesDep, operations: OperationsDep) -> Response:
    """An agent's disciplinary file: breaches, referrals, decisions and outcomes, with
    the personal facts they rest on. Discipline data: the council only; any other role
    is refused with the API's message, never shown a file with holes."""
    try:
        answer = await operations.run("DisciplinaryFile", {"id": agent_id},
                                      session.principal, services, session)
    except OperationFailed as failed:
        return _refused(request, session, "Disciplinary file refused", failed)
    agent = answer.data["agent"]
    if agent is None:
        return refusal(request, session, 404, "No such agent",
                       Text("no agent %(id)s is on record", {"id": agent_id}))
    for path in ("agent.disciplinaryRecord", "agent.breaches"):
        if answer.hides(path):
            return refusal(request, session, 403, "Disciplinary file refused",
                           answer.reasons[path])
    return page(request, "discipline.html", session, agent=agent, withheld=answer.withheld)


@router.get("/integrity")
async def integrity(request: Request, session: SessionDep, services: ServicesDep,
                    operations: OperationsDep) -> Response:
    """The hash chain verified now, the signed checkpoints, and the proof form."""
    try:
        answer = await operations.run("Verification", {}, session.principal, services, session)
    except OperationFailed as failed:
        return _refused(request, session, "Integrity status refused", failed)
    return page(request, "integrity.html", session,
                verification=answer.data["verification"], position="")


@router.get("/integrity/proof")
async def inclusion_proof(request: Request, session: SessionDep, services: ServicesDep,
                          operations: OperationsDep, position: str = "") -> Response:
    """One event's inclusion proof in the latest checkpoint, verified by the service."""
    if not position.strip().isdigit():
        return refusal(request, session, 400, "Inclusion proof refused",
                       Text("position: %(p)r is not a log position (a whole number)",
                            {"p": position}))
    try:
        answer = await operations.run("InclusionProof", {"position": int(position)},
                                      session.principal, services, session)
    except OperationFailed as failed:
        return _refused(request, session, "Inclusion proof refused", failed)
    return page(request, "proof.html", session, proof=answer.data["inclusionProof"],
                position=position.strip())
