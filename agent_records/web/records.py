"""The pages that record: one form per career command (``web.commands.FORMS``).

``/web/agents/<id>/record/<command>`` for a command on an agent, ``/web/record/<command>``
for one that opens a record (registering a person, opening a post). A role without the
mutation's permission is refused the page (403) with the API's own message. A posted
form (its CSRF token checked) runs the command's trusted operation in-process, through
the same schema as the API, so the same rules apply; a refusal shows each message and
article next to its field, keeps what was typed, and nothing is recorded; a recorded
command goes to the dossier (POST-redirect-GET). Each form carries an idempotency key:
the same form sent twice records once.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agent_records.api.dependencies import ServicesDep
from agent_records.api.errors import forbidden
from agent_records.api.services import Services
from agent_records.web.access import SessionDep, checked_form
from agent_records.web.commands import FORMS, CommandForm
from agent_records.web.operations import OperationFailed, Operations
from agent_records.web.pages import OperationsDep
from agent_records.web.render import page, refusal, templates
from agent_records.web.sessions import PATH, Session

router = APIRouter(prefix=PATH)


def allowed(session: Session, on_agent: bool) -> list[CommandForm]:
    """The forms the signed-in role may send (on an agent, or opening a record)."""
    return [f for f in FORMS.values() if f.mutation.on_agent == on_agent
            and session.principal.may(f.permission)]


templates.env.globals["command_forms"] = allowed


def field_errors(user_errors: list[dict[str, Any]], form: CommandForm
                 ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """The API's refusals by the form field they name (a nested field under its group);
    those naming no field of the form are the form's own."""
    names = {f.name for f in form.fields}
    placed: dict[str, list[dict[str, Any]]] = {}
    general = []
    for error in user_errors:
        name = (error.get("field") or "").split(".")[0]
        if name in names:
            placed.setdefault(name, []).append(error)
        else:
            general.append(error)
    return placed, general


def render_form(request: Request, session: Session, form: CommandForm, agent: Any,
                values: dict[str, str], status: int = 200,
                errors: dict[str, list[dict[str, Any]]] | None = None,
                general: list[dict[str, Any]] | None = None) -> Response:
    """The form with ``values`` typed, a fresh idempotency key unless one is kept, and the
    refusals next to their fields."""
    values = {"idempotencyKey": uuid.uuid4().hex, **values}
    if agent is not None:  # the version the clerk sees: refused if another writer moves it
        values["expectedVersion"] = str(agent["version"])
    return page(request, "command.html", session, status, form=form, agent=agent,
                values=values, errors=errors or {}, general=general or [],
                label_of={f.name: f.label for f in form.fields})


async def agent_of(agent_id: str, session: Session, services: Services,
                   operations: Operations) -> dict[str, Any] | None:
    """The agent's name and the version of its record (the store's, not a read view's,
    which may lag behind it when projections run in another process)."""
    answer = await operations.run("RecordAsOf", {"id": agent_id}, session.principal,
                                  services)
    agent = answer.data["agent"]
    if agent is None or agent["asOf"] is None:
        return None
    return {"id": agent["id"], "fullName": agent["fullName"],
            "version": agent["asOf"]["version"]}


def form_named(slug: str, on_agent: bool) -> CommandForm | None:
    form = FORMS.get(slug)
    return form if form is not None and form.mutation.on_agent == on_agent else None


async def show(request: Request, session: Session, services: Services,
               operations: Operations, slug: str, agent_id: str | None) -> Response:
    form = form_named(slug, agent_id is not None)
    if form is None:
        return refusal(request, session, 404, "No such form", f"no command is named {slug}")
    if not session.principal.may(form.permission):
        return refusal(request, session, 403, "Not for your role",
                       forbidden(form.mutation.name).args[0])
    agent = None
    if agent_id is not None:
        try:
            agent = await agent_of(agent_id, session, services, operations)
        except OperationFailed as failed:
            return refusal(request, session, 400, "Form refused", failed.message)
        if agent is None:
            return refusal(request, session, 404, "No such agent",
                           f"no agent {agent_id} is on record")
    values = {f.name: f.initial for f in form.fields if f.initial}
    return render_form(request, session, form, agent, values)


async def send(request: Request, session: Session, services: Services,
               operations: Operations, slug: str, agent_id: str | None) -> Response:
    """Runs the form's command; the form again with the refusals, or on to the dossier."""
    form = form_named(slug, agent_id is not None)
    if form is None or not session.principal.may(form.permission):
        return await show(request, session, services, operations, slug, agent_id)
    posted = await checked_form(request, session.csrf)
    values = {k: v for k, v in posted.items() if k != "csrf"}
    agent = None
    if agent_id is not None:
        try:
            agent = await agent_of(agent_id, session, services, operations)
        except OperationFailed:
            agent = None
        if agent is None:
            return refusal(request, session, 404, "No such agent",
                           f"no agent {agent_id} is on record")
    data, unreadable = form.read(values, agent_id)
    if unreadable:
        errors = {name.split(".")[0]: [{"field": name, "message": why, "article": None}]
                  for name, why in unreadable.items()}
        return render_form(request, session, form, agent, values, 422, errors)
    try:
        answer = await operations.run(form.operation, {"input": data}, session.principal,
                                      services)
    except OperationFailed as failed:
        return render_form(request, session, form, agent, values, 400,
                           general=[{"message": failed.message, "article": None}])
    receipt = answer.data[form.mutation.name]
    if receipt["userErrors"]:
        placed, general = field_errors(receipt["userErrors"], form)
        values.pop("idempotencyKey", None)  # refused, nothing stored: a new key next time
        return render_form(request, session, form, agent, values, 422, placed, general)
    if form.operation == "OpenPost":
        target = f"{PATH}/posts/{data['code'].strip().upper()}"
    else:
        target = f"{PATH}/agents/{agent_id or receipt['id']}"
    return RedirectResponse(f"{target}?recorded={receipt['version']}", 303)


@router.get("/agents/{agent_id}/record/{slug}")
async def agent_form(request: Request, agent_id: str, slug: str, session: SessionDep,
                     services: ServicesDep, operations: OperationsDep) -> Response:
    """The form of a command on an agent (only for a role allowed to send it)."""
    return await show(request, session, services, operations, slug, agent_id)


@router.post("/agents/{agent_id}/record/{slug}")
async def agent_command(request: Request, agent_id: str, slug: str, session: SessionDep,
                        services: ServicesDep, operations: OperationsDep) -> Response:
    return await send(request, session, services, operations, slug, agent_id)


@router.get("/record")
async def opening_forms(request: Request, session: SessionDep) -> Response:
    """The commands that open a record the role may send."""
    return page(request, "record_index.html", session, forms=allowed(session, False))


@router.get("/record/{slug}")
async def opening_form(request: Request, slug: str, session: SessionDep,
                       services: ServicesDep, operations: OperationsDep) -> Response:
    """The form of a command opening a record (register a person, open a post)."""
    return await show(request, session, services, operations, slug, None)


@router.post("/record/{slug}")
async def opening_command(request: Request, slug: str, session: SessionDep,
                          services: ServicesDep, operations: OperationsDep) -> Response:
    return await send(request, session, services, operations, slug, None)
