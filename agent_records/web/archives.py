"""The archives' page: an export form, the export's progress, and its download.

The rules are those of ``GET /export.jsonl`` (``api.routes.export``): the ``export``
permission is needed, and personal data are included only on request and only for a
role that reads every class of them (the council); the archivist's export withholds
them all. The form offers the choice only to a role that may make it, and the route
refuses it to any other (403, the HTTP export's message). The export itself runs as a
job (``web.exports``) whose page refreshes itself until the file can be downloaded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from agent_records.api.auth import Permission, Principal
from agent_records.api.dependencies import ServicesDep
from agent_records.archive.records import ExportError, Selection
from agent_records.config import settings
from agent_records.domain.classification import PERSONAL
from agent_records.web.access import SessionDep, checked_form
from agent_records.web.exports import FORMATS, ExportRefused, Exports, Job
from agent_records.web.languages import Text
from agent_records.web.render import HEADERS, page, refusal
from agent_records.web.sessions import PATH, Session

router = APIRouter(prefix=PATH)
REFRESH_SECONDS = 1


def get_exports(request: Request) -> Exports:
    exports: Exports | None = getattr(request.app.state, "web_exports", None)
    if exports is None:
        exports = request.app.state.web_exports = Exports(lambda: settings().data)
    return exports


ExportsDep = Annotated[Exports, Depends(get_exports)]


def may_export(principal: Principal) -> str | None:
    """Why ``principal`` may not export (the HTTP export's message), or None."""
    if principal.may(Permission.EXPORT):
        return None
    return f"the role {principal.role} may not export the record"


def selection(form: dict[str, str]) -> Selection:
    """The export's ``Selection`` from the form; ``ExportError`` names a bad field."""
    def day(name: str) -> date | None:
        text = form.get(name, "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise ExportError(f"{name.replace('_', '-')}: {text!r} is not a date "
                              "(YYYY-MM-DD)") from None

    def instant(name: str) -> datetime | None:
        text = form.get(name, "").strip()
        try:
            moment = datetime.fromisoformat(text) if text else None
        except ValueError:
            raise ExportError(f"{name.replace('_', '-')}: {text!r} is not a date and "
                              "time (YYYY-MM-DDTHH:MM, UTC)") from None
        return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment

    since = form.get("since_position", "").strip() or "0"
    if not since.isdigit():
        raise ExportError(f"since-position: {since!r} is not a whole number")
    return Selection(form.get("agent", "").strip() or None,
                     form.get("post", "").strip().upper() or None,
                     day("effective_from"), day("effective_to"), instant("recorded_from"),
                     instant("recorded_to"), int(since))


def _form(request: Request, session: Session, status: int = 200, error: str | None = None,
          form: dict[str, str] | None = None) -> Response:
    return page(request, "export.html", session, status, error=error, form=form or {},
                formats=FORMATS, personal_allowed=session.principal.reads(PERSONAL))


@router.get("/exports")
async def export_form(request: Request, session: SessionDep) -> Response:
    """The export form: format, selection, and personal data for a role that may."""
    refused = may_export(session.principal)
    if refused:
        return refusal(request, session, 403, "Export refused", refused)
    return _form(request, session)


@router.post("/exports")
async def start_export(request: Request, session: SessionDep, services: ServicesDep,
                       exports: ExportsDep) -> Response:
    """Starts the export the form asks for and sends to its progress page."""
    form = await checked_form(request, session.csrf)
    refused = may_export(session.principal)
    if refused:
        return refusal(request, session, 403, "Export refused", refused)
    personal = form.get("personal") == "yes"
    if personal and not session.principal.reads(PERSONAL):
        return refusal(request, session, 403, "Export refused",
                       Text("the role %(role)s may not export personal data",
                            {"role": session.principal.role}))
    format = form.get("format", "")
    if format not in FORMATS:
        return _form(request, session, 400, f"format: choose one of {', '.join(FORMATS)}",
                     form)
    try:
        job = exports.start(services, session.principal.id, format, selection(form),
                            personal)
    except ExportError as exc:
        return _form(request, session, 400, str(exc), form)
    except ExportRefused as exc:
        return _form(request, session, 503, str(exc), form)
    return RedirectResponse(f"{PATH}/exports/{job.id}", 303)


def _job(exports: Exports, job_id: str, session: Session) -> Job | None:
    return exports.get(job_id, session.principal.id)


@router.get("/exports/{job_id}")
async def export_progress(request: Request, job_id: str, session: SessionDep,
                          exports: ExportsDep) -> Response:
    """How far the export got; refreshes itself every second until it is done."""
    job = _job(exports, job_id, session)
    if job is None:
        return refusal(request, session, 404, "No such export",
                       "this export is not yours, was downloaded already or has expired")
    error, done = job.error, job.done  # once: the job's thread goes on meanwhile
    return page(request, "export_job.html", session, 500 if error else 200, job=job,
                error=error, done=done, bytes=job.on_disk(),
                refresh=None if error or done else REFRESH_SECONDS)


@router.get("/exports/{job_id}/download")
async def export_download(request: Request, job_id: str, session: SessionDep,
                          exports: ExportsDep) -> Response:
    """The export's file, streamed from disk, then deleted: downloaded once."""
    job = exports.take(job_id, session.principal.id)
    if job is None or job.file is None:
        return refusal(request, session, 404, "No such export",
                       "this export is not ready, is not yours, was downloaded already or "
                       "has expired")
    name = f"agent-records-{datetime.now(UTC):%Y%m%d}-{job.file.name}"
    response = FileResponse(job.file, filename=name, media_type={
        "jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8",
        "bagit": "application/x-tar"}[job.format],
        background=BackgroundTask(exports.delivered, job))
    response.headers.update({**HEADERS, "X-Agent-Records-Personal-Data":
                             "included" if job.personal else "withheld"})
    return response
