"""The career commands as HTML forms, generated from the same list as the mutations.

``FORMS`` has one ``CommandForm`` per ``api.mutations.MUTATIONS`` entry (itself one per
``domain.commands.COMMANDS``): its fields are the mutation input's, typed from the
command's dataclass (dates, integers, yes/no, enumerations as choices, value objects as
groups of fields, a correction's changes as JSON), so a form cannot drift from the
command it sends. A posted form is turned back into the mutation's input
(``CommandForm.read``): what cannot be read (a date that is not one, a choice not
offered) is refused here, next to its field, before anything is sent; everything else
is the mutation's to check, as it would be for any client.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import MISSING, dataclass, fields, is_dataclass
from datetime import date
from enum import Enum
from typing import Any

from agent_records.api.auth import Permission
from agent_records.api.mutations import MUTATIONS, Mutation, camel
from agent_records.domain import commands as c
from agent_records.domain.bounds import describe
from agent_records.web.command_labels import FIELDS, TITLES


@dataclass(frozen=True)
class FormField:
    """One input of a form: its GraphQL name (and the HTML field's), its kind (``text``,
    ``date``, ``int``, ``bool``, ``choice``, ``json``, ``group``), whether it is required,
    its initial value, the choices of an enumeration, the fields of a value object, and
    for a list of value objects how many groups the form offers."""

    name: str
    kind: str
    required: bool
    initial: str = ""
    choices: tuple[str, ...] = ()
    enum: str = ""
    children: tuple[FormField, ...] = ()
    repeat: int = 0
    help: str = ""

    @property
    def label(self) -> str:
        """The field's label (a msgid, ``web.command_labels``), else its name as words
        (``endDate`` -> ``End date``)."""
        if self.name in FIELDS:
            return FIELDS[self.name]
        words = "".join(" " + ch.lower() if ch.isupper() else ch for ch in self.name)
        return words[:1].upper() + words[1:]


LIST_GROUPS = 2
"""Groups offered for a list of value objects (the diplomas); an empty group is left out."""


def _inner(hint: Any) -> tuple[Any, bool]:
    """The type inside ``X | None`` and whether None was allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _initial(default: Any) -> str:
    if default is MISSING or default is None:
        return ""
    if isinstance(default, Enum):
        return default.name
    if isinstance(default, bool):
        return "true" if default else ""
    return str(default)


def form_field(name: str, hint: Any, default: Any = MISSING) -> FormField:
    """The form field of a dataclass field, from its type (and default)."""
    tp, optional = _inner(hint)
    gql = camel(name) or name
    required = not optional
    if typing.get_origin(tp) is tuple:
        group = form_field(name, typing.get_args(tp)[0])
        return FormField(gql, "group", required, children=group.children, repeat=LIST_GROUPS)
    if is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        children = tuple(form_field(f.name, hints[f.name], f.default) for f in fields(tp))
        return FormField(gql, "group", required, children=children)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return FormField(gql, "choice", required, _initial(default),
                         tuple(m.name for m in tp), tp.__name__)
    if tp is bool:
        return FormField(gql, "bool", False, _initial(default))
    if typing.get_origin(tp) is dict:
        return FormField(gql, "json", False, "{}", help="New values of the corrected "
                         'fields, as a JSON object by their names in the event: '
                         '{"end_date": "1950-08-19"}.')
    kind = "date" if tp is date else "int" if tp is int else "text"
    return FormField(gql, kind, required, _initial(default),
                     help=describe(name, tp if tp in (date, int) else str))


DECREE_TERMS = {"charge d affaires": "chargé d'affaires a.i.", "attache": "attaché"}
"""The decree's terms in command names, as the decree writes them (in every language)."""


@dataclass(frozen=True)
class CommandForm:
    """A command's form: its mutation, its URL name and its fields in order."""

    mutation: Mutation
    fields: tuple[FormField, ...]

    @property
    def slug(self) -> str:
        """The form's name in its URL (``GrantLeave`` -> ``grant-leave``)."""
        name = self.mutation.command.__name__
        return "".join("-" + ch.lower() if ch.isupper() else ch for ch in name)[1:]

    @property
    def operation(self) -> str:
        """The trusted operation the form runs (``graphql/operations/<Name>.graphql``)."""
        return self.mutation.command.__name__

    @property
    def title(self) -> str:
        """The command in words (a msgid, ``web.command_labels``), the decree's terms in
        French (``Appoint attaché``)."""
        if self.operation in TITLES:
            return TITLES[self.operation]
        words = self.operation[0] + "".join(" " + ch.lower() if ch.isupper() else ch
                                            for ch in self.operation[1:])
        for plain, term in DECREE_TERMS.items():
            words = words.replace(plain, term)
        return words

    @property
    def about(self) -> str:
        """The event's first line and article, as the mutation describes it."""
        event = self.mutation.command.EVENT
        first = (event.__doc__ or "").splitlines()[0]
        return first if "Art." in first else f"{first} ({event.ARTICLE})"

    @property
    def permission(self) -> Permission:
        return self.mutation.permission

    def read(self, form: dict[str, str], agent_id: str | None) -> tuple[dict[str, Any],
                                                                        dict[str, str]]:
        """The mutation's input from a posted form, and the fields that could not be
        read (name -> why)."""
        errors: dict[str, str] = {}
        data: dict[str, Any] = {"agentId": agent_id} if self.mutation.on_agent else {}
        for f in self.fields:
            value = _read(f, f.name, form, errors)
            if value is not None:  # left empty: the input's default (null, or "")
                data[f.name] = value
        key = form.get("idempotencyKey", "").strip()
        data["idempotencyKey"] = key or None
        seen = form.get("expectedVersion", "").strip()
        if self.mutation.on_agent and seen.isdigit():
            data["expectedVersion"] = int(seen)  # refused if the record moved meanwhile
        return data, errors


def _read(f: FormField, path: str, form: dict[str, str], errors: dict[str, str]) -> Any:
    """One field's value for the input (None when left empty)."""
    if f.kind == "group":
        if f.repeat:
            found = [_read_group(f, f"{path}.{i}", form, errors) for i in range(f.repeat)]
            return [g for g in found if g is not None]
        return _read_group(f, path, form, errors)
    raw = form.get(path, "").strip()
    if f.kind == "bool":
        return raw == "true"
    if raw == "" and f.initial and "." in path:
        raw = f.initial  # a value object's field left empty: its default (years of study)
    if raw == "":
        if f.required and f.kind != "text":
            errors[path] = "required"
        return "" if f.required and f.kind == "text" else None
    if f.kind == "date":
        try:
            date.fromisoformat(raw)
        except ValueError:
            errors[path] = "not a date: write it YYYY-MM-DD"
        return raw
    if f.kind == "int":
        try:
            return int(raw)
        except ValueError:
            errors[path] = "not a whole number"
            return None
    if f.kind == "choice" and raw not in f.choices:
        errors[path] = "not one of the choices offered"
    if f.kind == "json":
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            errors[path] = 'not a JSON object such as {"end_date": "1950-08-19"}'
        return value
    return raw


def _read_group(f: FormField, path: str, form: dict[str, str], errors: dict[str, str]
                ) -> dict[str, Any] | None:
    """A value object's fields; None when every field was left empty (an optional
    certificate not given, a diploma group not used)."""
    if not any(form.get(f"{path}.{child.name}", "").strip() for child in f.children
               if child.kind != "bool"):
        if f.required and not f.repeat:
            errors[path] = "required"
        return None
    return {child.name: _read(child, f"{path}.{child.name}", form, errors)
            for child in f.children}


DECISION = (FormField("reason", "text", False, help=describe("reason")),
            FormField("decisionReference", "text", False,
                      help=describe("decision_reference")))


def command_form(mutation: Mutation) -> CommandForm:
    """The form of one mutation: effective date, the command's own fields, the decision."""
    command = mutation.command
    hints = typing.get_type_hints(command)
    defaults = {f.name: f.default for f in fields(command)}
    own = tuple(form_field(name, hints[name], defaults[name])
                for name in c.payload_fields(command))
    effective = FormField("effectiveDate", "date", True, help=describe("effective_date", date))
    return CommandForm(mutation, (effective, *own, *DECISION))


FORMS: dict[str, CommandForm] = {form.slug: form for form in map(command_form, MUTATIONS)}
"""Every command's form, by its URL name, in the order of the commands."""
