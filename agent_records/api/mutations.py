"""The ``Mutation`` root: one mutation per application command, generated from the events.

Each mutation's input is the event's own fields (so the API cannot drift from the
domain) plus the decision: ``effectiveDate``, ``decisionReference``, ``reason`` and an
optional ``expectedVersion``. The actor and role come from the token, never the input.
A refused command answers ``userErrors`` (field, code, message, article) and records
nothing; a store that cannot be reached is a ``STORE_UNAVAILABLE`` error.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from agent_records.api import types as gql
from agent_records.api.agents.types import Agent
from agent_records.api.auth import Permission
from agent_records.api.context import ctx
from agent_records.api.errors import forbidden, log_refusal
from agent_records.api.threads import blocking
from agent_records.domain import events as ev
from agent_records.domain import values
from agent_records.domain.bounds import describe
from agent_records.domain.errors import DomainError
from agent_records.domain.post import PostOpened
from agent_records.domain.values import Actor, Decision


@dataclass(frozen=True)
class Command:
    """A mutation: its name, the application method, the event, who may call it."""

    name: str
    method: str
    event: type
    permission: Permission
    on_agent: bool = True


R, D, J = Permission.RECORD, Permission.DECIDE, Permission.JUDGE
COMMANDS = [
    Command("registerAgent", "register_agent", ev.AgentRegistered, R, on_agent=False),
    Command("openPost", "open_post", PostOpened, D, on_agent=False),
    Command("appointAttache", "appoint_attache", ev.AttacheAppointed, R),
    Command("appointAgent", "appoint_agent", ev.AgentAppointed, R),
    Command("renewAppointment", "renew_appointment", ev.AppointmentRenewed, R),
    Command("recordLapse", "record_lapse", ev.TermLapsed, R),
    Command("pledgeHonour", "pledge_honour", ev.HonourPledged, R),
    Command("swearOath", "swear_oath", ev.OathSworn, R),
    Command("enterFunctions", "enter_functions", ev.FunctionsEntered, R),
    Command("promote", "promote", ev.Promoted, R),
    Command("conferTitle", "confer_title", ev.TitleConferred, R),
    Command("requestMarriageAuthorisation", "request_marriage_authorisation",
            ev.MarriageAuthorisationRequested, R),
    Command("authoriseMarriage", "authorise_marriage", ev.MarriageAuthorised, D),
    Command("refuseMarriage", "refuse_marriage", ev.MarriageAuthorisationRefused, D),
    Command("recordMarriage", "record_marriage", ev.MarriageRecorded, R),
    Command("grantLeave", "grant_leave", ev.LeaveGranted, D),
    Command("notifyUrgencyLeave", "notify_urgency_leave", ev.UrgencyLeaveNotified, R),
    Command("postAgent", "post_agent", ev.Posted, R),
    Command("designateHeadOfPost", "designate_head_of_post", ev.HeadOfPostDesignated, R),
    Command("designateChargeDAffaires", "designate_charge_d_affaires",
            ev.ChargeDAffairesDesignated, R),
    Command("conferHonoraryTitle", "confer_honorary_title", ev.HonoraryTitleConferred, R),
    Command("acceptResignation", "accept_resignation", ev.Resigned, R),
    Command("retire", "retire", ev.Retired, R),
    Command("extendService", "extend_service", ev.ServiceExtended, R),
    Command("referToDiscipline", "refer_to_discipline", ev.DisciplinaryReferral, D),
    Command("recordDisciplinaryDecision", "record_disciplinary_decision",
            ev.DisciplinaryDecision, J),
    Command("correctEvent", "correct_event", ev.EventCorrected, D),
]


def bounded_field(name: str, tp: Any = str, **default: Any) -> Any:
    """A field whose description states its bounds, from the domain's one definition."""
    return strawberry.field(description=describe(name, tp), **default)


@strawberry.input
class DiplomaInput:
    kind: gql.DiplomaKind
    country: str = bounded_field("country")
    title: str = bounded_field("title")
    years_of_study: int = bounded_field("years_of_study", int, default=0)


@strawberry.input
class AptitudeCertificateInput:
    doctor: str = bounded_field("doctor")
    doctor_designated_by_minister: bool
    issued_on: date = bounded_field("issued_on", date)


@strawberry.input
class ConductAttestationInput:
    issued_by: str = bounded_field("issued_by")
    issued_on: date = bounded_field("issued_on", date)


INPUTS: dict[Any, Any] = {values.Diploma: DiplomaInput,
                          values.AptitudeCertificate: AptitudeCertificateInput,
                          values.ConductAttestation: ConductAttestationInput}


def graphql_type(hint: Any) -> Any:
    """The GraphQL input type of an event field's Python type."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return graphql_type(inner) | None
    if origin is tuple:
        return list[graphql_type(typing.get_args(hint)[0])]
    if origin is dict:
        return JSON
    return INPUTS.get(hint, hint)


def description(name: str, hint: Any) -> str | None:
    """The bounds of an event field (``domain.bounds``), for the schema; None for fields
    whose type says it all (enumerations, booleans, value objects)."""
    if name == "changes":
        return ("New values of the corrected fields, by their names in the event (snake "
                "case); each value within the bounds of the field it corrects.")
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    scalar = args[0] if args and typing.get_origin(hint) is not tuple else hint
    return describe(name, scalar) if scalar in (str, int, date) else None


IDEMPOTENCY_KEY = (
    "Makes a retry safe: 1 to 128 printable ASCII characters without spaces, new for each "
    "request (a UUID). A request sent again with the same key by the same user (after a "
    "lost answer) returns the first result and records nothing new; the same key with "
    "another mutation or other input is refused (idempotency_key_reused).")


def input_type(cmd: Command) -> type:
    """``<Name>Input``: the agent, the decision, and the event's own fields, each
    described with its bounds."""
    hints = typing.get_type_hints(cmd.event)
    annotations: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    if cmd.on_agent:
        annotations["agent_id"] = strawberry.ID
    annotations["effective_date"] = date
    defaults["effective_date"] = bounded_field("effective_date", date)
    for f in dataclasses.fields(cmd.event):
        if f.name in ev.METADATA_FIELDS:
            continue
        annotations[f.name] = graphql_type(hints[f.name])
        default = {"default": None} if type(None) in typing.get_args(hints[f.name]) else {}
        text = description(f.name, hints[f.name])
        if text or default:
            defaults[f.name] = strawberry.field(description=text, **default)
    annotations |= {"decision_reference": str | None, "reason": str, "expected_version":
                    int | None, "idempotency_key": str | None}
    defaults |= {"decision_reference": bounded_field("decision_reference", default=None),
                 "reason": bounded_field("reason", default=""), "expected_version": None,
                 "idempotency_key": strawberry.field(default=None, description=IDEMPOTENCY_KEY)}
    name = cmd.name[0].upper() + cmd.name[1:] + "Input"
    cls = type(name, (), {"__annotations__": annotations, **defaults})
    return strawberry.input(cls, description=f"Input of {cmd.name} ({cmd.event.ARTICLE}).")


@strawberry.type
class RecordPayload:
    """The stored event's coordinates, or why nothing was recorded."""

    id: strawberry.ID | None = None
    version: int | None = None
    recorded_at: datetime | None = None
    correlation_id: str | None = None
    user_errors: list[gql.UserError] = strawberry.field(default_factory=list)
    warnings: list[str] = strawberry.field(
        default_factory=list, description="Stored, but: e.g. a read view is stopped and "
        "queries may not show the change yet (see projectionStatus). Do not retry.")

    @strawberry.field(description="The agent as the read models show it after the command.")
    async def agent(self, info: Info) -> Agent | None:
        if self.id is None:
            return None
        row = await ctx(info).agents.load(str(self.id))
        return Agent.of(row) if row else None


def plain(value: Any) -> Any:
    """Strawberry input objects as plain values the domain coerces."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    return value


def camel(name: str | None) -> str | None:
    """A domain field name as the GraphQL input names it (``end_date`` -> ``endDate``)."""
    if not name:
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def run(cmd: Command, data: Any, principal_id: str, role: str, services: Any) -> RecordPayload:
    """Calls the application (in a worker thread) and projects inline when configured."""
    fields = {f.name: plain(getattr(data, f.name)) for f in dataclasses.fields(data)}
    key = fields.pop("idempotency_key")
    request = dict(fields)  # the input as sent: a key's retry must send the same
    decision = Decision(fields.pop("effective_date"), Actor(principal_id, role),
                        decision_reference=fields.pop("decision_reference"),
                        reason=fields.pop("reason"))
    expected = fields.pop("expected_version")
    method = getattr(services.records, cmd.method)
    try:
        if cmd.on_agent:
            try:
                agent_id = UUID(str(fields.pop("agent_id")))
            except ValueError:
                return RecordPayload(user_errors=[gql.UserError(
                    field="agentId", code="invalid_input", message="agentId is not a UUID",
                    article=None)])

            def call() -> Any:
                return method(agent_id, decision, expected_version=expected, **fields)
        else:
            def call() -> Any:
                return method(decision, **fields)
        receipt = call() if key is None else services.records.once(
            principal_id, key, cmd.name, request, call)
    except DomainError as exc:  # a refusal; a store failure (not one) goes on to ``blocking``
        return RecordPayload(user_errors=[gql.UserError(
            field=camel(exc.field), code=exc.code, message=exc.message, article=exc.article)])
    try:
        warnings = services.project()
    except Exception as exc:
        # Stored is stored: read views that cannot be brought up to date now (the store
        # gone, a failure the projection thread reports) catch up later; an error here
        # would invite a duplicate retry.
        warnings = [f"stored; the read views are not up to date ({type(exc).__name__}): "
                    "they catch up later"]
    return RecordPayload(id=strawberry.ID(str(receipt.aggregate_id)), version=receipt.version,
                         recorded_at=receipt.recorded_at, correlation_id=receipt.correlation_id,
                         warnings=warnings)


def resolver(cmd: Command, input_cls: type) -> Any:
    async def resolve(info: Info, input: Any) -> RecordPayload:
        context = ctx(info)
        if not context.principal.may(cmd.permission):
            raise forbidden(cmd.name)
        p = context.principal
        payload = await blocking(run, cmd, input, p.id, p.role.value, context.services)
        if payload.user_errors:
            log_refusal(context, [e.code for e in payload.user_errors], cmd.name)
        return payload

    resolve.__annotations__ = {"info": Info, "input": input_cls, "return": RecordPayload}
    return resolve


def mutation_type() -> type:
    """The ``Mutation`` root with one field per command."""
    namespace: dict[str, Any] = {}
    for cmd in COMMANDS:
        namespace[cmd.name] = strawberry.mutation(
            resolver(cmd, input_type(cmd)), name=cmd.name,
            description=f"{(cmd.event.__doc__ or '').splitlines()[0]} ({cmd.event.ARTICLE})")
    return strawberry.type(type("Mutation", (), namespace))
