"""The ``Mutation`` root: one mutation per command of ``domain.commands``, generated.

Each mutation is named after its command (``Promote`` -> ``promote``) and its input is
the command's own fields, which are its event's (so the API cannot drift from the domain),
plus the decision: ``effectiveDate``, ``decisionReference``, ``reason``, an optional
``expectedVersion`` and ``idempotencyKey``. A field is required unless its type allows
none: the defaults of the commands are the Python API's, not the contract's. The actor
and role come from the token, never the input. A refused command answers ``userErrors``
(field, code, message, article) and records nothing; a store that cannot be reached is
a ``STORE_UNAVAILABLE`` error.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Coroutine
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
from agent_records.api.services import Services
from agent_records.api.threads import blocking
from agent_records.application import Receipt
from agent_records.domain import commands as c
from agent_records.domain import values
from agent_records.domain.bounds import describe
from agent_records.domain.errors import DomainError, InvalidInput
from agent_records.domain.values import Actor, Decision

R, D, J = Permission.RECORD, Permission.DECIDE, Permission.JUDGE
PERMISSIONS: dict[type[c.Command], Permission] = {
    c.RegisterAgent: R, c.OpenPost: D, c.AppointAttache: R, c.AppointAgent: R,
    c.RenewAppointment: R, c.RecordLapse: R, c.PledgeHonour: R, c.SwearOath: R,
    c.EnterFunctions: R, c.Promote: R, c.ConferTitle: R, c.RequestMarriageAuthorisation: R,
    c.AuthoriseMarriage: D, c.RefuseMarriage: D, c.RecordMarriage: R, c.GrantLeave: D,
    c.RecordAbsence: R,
    c.NotifyUrgencyLeave: R, c.PostAgent: R, c.DesignateHeadOfPost: R,
    c.DesignateChargeDAffaires: R, c.ConferHonoraryTitle: R, c.AcceptResignation: R,
    c.Retire: R, c.ExtendService: R, c.ReferToDiscipline: D, c.RecordDisciplinaryDecision: J,
    c.CorrectEvent: D, c.ErasePersonalData: Permission.ERASE,
}
"""The permission each command needs (the roles that have it: ``auth``)."""


@dataclass(frozen=True)
class Mutation:
    """A command as the API offers it: its name and who may call it."""

    command: type[c.Command]
    permission: Permission

    @property
    def name(self) -> str:
        """The mutation's name: the command's, in camel case (``grantLeave``)."""
        name = self.command.__name__
        return name[0].lower() + name[1:]

    @property
    def on_agent(self) -> bool:
        """Whether the input names an agent (``agentId``)."""
        return issubclass(self.command, c.AgentCommand)


MUTATIONS = [Mutation(command, PERMISSIONS[command]) for command in c.COMMANDS]
"""Every command, as a mutation, in the order of ``domain.commands.COMMANDS``."""


def bounded_field(name: str, tp: Any = str, **default: Any) -> Any:
    """A field whose description states its bounds, from the domain's one definition."""
    return strawberry.field(description=describe(name, tp), **default)


@strawberry.input
class DiplomaInput:
    kind: values.DiplomaKind  # registered as a GraphQL enum by ``api.types``
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


INPUTS: dict[type, type] = {values.Diploma: DiplomaInput,
                            values.AptitudeCertificate: AptitudeCertificateInput,
                            values.ConductAttestation: ConductAttestationInput}
"""The GraphQL input of each value object a command carries."""
VALUES = {given: value for value, given in INPUTS.items()}


def graphql_type(hint: Any) -> Any:
    """The GraphQL input type of a command field's Python type."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return graphql_type(inner) | None
    if origin is tuple:
        return types.GenericAlias(list, (graphql_type(typing.get_args(hint)[0]),))
    if origin is dict:
        return JSON
    return INPUTS.get(hint, hint)


def description(name: str, hint: Any) -> str | None:
    """The bounds of a command field (``domain.bounds``), for the schema; None for fields
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


def input_type(mutation: Mutation) -> type:
    """``<Name>Input``: the agent, the decision, and the command's own fields, each
    described with its bounds; required unless its type allows none."""
    command = mutation.command
    hints = typing.get_type_hints(command)
    annotations: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    if mutation.on_agent:
        annotations["agent_id"] = strawberry.ID
    annotations["effective_date"] = date
    defaults["effective_date"] = bounded_field("effective_date", date)
    for name in c.payload_fields(command):
        annotations[name] = graphql_type(hints[name])
        optional = type(None) in typing.get_args(hints[name])
        text = description(name, hints[name])
        if optional:
            defaults[name] = strawberry.field(description=text, default=None)
        elif text:
            defaults[name] = strawberry.field(description=text)
    annotations |= {"decision_reference": str | None, "reason": str, "expected_version":
                    int | None, "idempotency_key": str | None}
    defaults |= {"decision_reference": bounded_field("decision_reference", default=None),
                 "reason": bounded_field("reason", default=""), "expected_version": None,
                 "idempotency_key": strawberry.field(default=None, description=IDEMPOTENCY_KEY)}
    name = command.__name__ + "Input"
    cls = type(name, (), {"__annotations__": annotations, **defaults})
    return strawberry.input(cls, description=f"Input of {mutation.name} "
                            f"({command.EVENT.ARTICLE}).")


async def agent_after(root: RecordPayload, info: Info) -> Agent | None:
    """The agent a command changed, as the read models show it after the command."""
    if root.id is None:
        return None
    row = await ctx(info).agents.load(str(root.id))
    return Agent.of(row) if row else None


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
    agent: Agent | None = strawberry.field(
        resolver=agent_after,
        description="The agent as the read models show it after the command.")


def plain(value: Any) -> Any:
    """An input as plain JSON values: the form in which an idempotency key's request is
    stored and compared."""
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


def domain_value(value: Any) -> Any:
    """A GraphQL input value as the command's field type: value objects for their
    inputs, tuples for lists (enumerations already are the domain's)."""
    if isinstance(value, list):
        return tuple(domain_value(v) for v in value)
    value_type = VALUES.get(type(value))
    if value_type is None:
        return value
    return value_type(**{f.name: domain_value(getattr(value, f.name))
                         for f in dataclasses.fields(value)})


def command_of(mutation: Mutation, data: Any, decision: Decision) -> c.Command:
    """The command a mutation's input asks for; ``InvalidInput`` for an ``agentId``
    that is not a UUID."""
    payload = {name: domain_value(getattr(data, name))
               for name in c.payload_fields(mutation.command)}
    command = mutation.command
    if issubclass(command, c.OpeningCommand):
        return command(decision, **payload)
    if not issubclass(command, c.AgentCommand):
        raise TypeError(f"{command.__name__} is neither an opening nor an agent command")
    try:
        agent_id = UUID(str(data.agent_id))
    except ValueError:
        raise InvalidInput("agentId is not a UUID", field="agent_id") from None
    return command(agent_id, decision, expected_version=data.expected_version, **payload)


def run(mutation: Mutation, data: Any, principal_id: str, role: str,
        services: Services) -> RecordPayload:
    """Calls the application (in a worker thread) and projects inline when configured."""
    fields = {f.name: plain(getattr(data, f.name)) for f in dataclasses.fields(data)}
    key = fields.pop("idempotency_key")
    request = dict(fields)  # the input as sent: a key's retry must send the same
    decision = Decision(data.effective_date, Actor(principal_id, role),
                        decision_reference=data.decision_reference, reason=data.reason)
    try:
        command = command_of(mutation, data, decision)
        receipt = services.records.handle(command) if key is None else services.records.once(
            principal_id, key, mutation.name, request, lambda: services.records.handle(command))
    except DomainError as exc:  # a refusal; a store failure (not one) goes on to ``blocking``
        return RecordPayload(user_errors=[gql.UserError(
            field=camel(exc.field), code=exc.code, message=exc.message, article=exc.article)])
    return stored(receipt, services)


def stored(receipt: Receipt, services: Services) -> RecordPayload:
    """The payload of a stored command, once the read views are brought up to date."""
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


Resolver = Callable[[Info, Any], Coroutine[Any, Any, RecordPayload]]


def resolver(mutation: Mutation, input_cls: type) -> Resolver:
    """The mutation's resolver: refused without the permission, else ``run``."""
    async def resolve(info: Info, input: Any) -> RecordPayload:
        context = ctx(info)
        if not context.principal.may(mutation.permission):
            raise forbidden(mutation.name)
        p = context.principal
        payload = await blocking(run, mutation, input, p.id, p.role.value, context.services)
        if payload.user_errors:
            log_refusal(context, [e.code for e in payload.user_errors], mutation.name)
        return payload

    resolve.__annotations__ = {"info": Info, "input": input_cls, "return": RecordPayload}
    return resolve


def mutation_type() -> type:
    """The ``Mutation`` root with one field per command."""
    namespace: dict[str, Any] = {}
    for mutation in MUTATIONS:
        event = mutation.command.EVENT
        namespace[mutation.name] = strawberry.mutation(
            resolver(mutation, input_type(mutation)), name=mutation.name,
            description=f"{(event.__doc__ or '').splitlines()[0]} ({event.ARTICLE})")
    return strawberry.type(type("Mutation", (), namespace))
