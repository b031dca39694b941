"""The classification covers every field the record stores or shows, and its payload walk
hides what a role may not read at any depth.

A new event type or field, a new value object, a new view table or row field without a
class fails here (GraphQL types: ``tests/api/test_leaks.py``, against the served schema).
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing
from datetime import date

import pytest

import agent_records.domain
import projections.views
from agent_records.domain import classification as cl
from agent_records.domain.classification.events import METADATA, VALUE_OF
from agent_records.domain.classification.read_models import ROW_ALIASES
from agent_records.domain.events import (
    METADATA_FIELDS,
    AgentRegistered,
    AttacheAppointed,
    CareerEvent,
    DisciplinaryDecision,
    EventCorrected,
    MarriageRecorded,
    Posted,
)
from agent_records.domain.values import VALUE_TYPES, AptitudeCertificate
from projections.views import READ_VIEWS

ROLES = list(cl.Role)


def event_classes() -> list[type]:
    """Every event class of the domain, wherever it is declared."""
    for info in pkgutil.walk_packages(agent_records.domain.__path__, "agent_records.domain."):
        importlib.import_module(info.name)
    found, stack = [], list(CareerEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in found:
            found.append(cls)
            stack.extend(cls.__subclasses__())
    return found


def own_fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)} - METADATA_FIELDS


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.__name__)
def test_every_event_field_has_a_class(cls: type) -> None:
    assert cls in cl.EVENT_FIELDS, f"{cls.__name__} is not classified (domain/classification)"
    assert set(cl.EVENT_FIELDS[cls]) == own_fields(cls), cls.__name__
    assert set(METADATA) >= METADATA_FIELDS


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.__name__)
def test_every_value_object_field_is_known(cls: type) -> None:
    """A field holding a value object names it (``VALUE_OF``), whose fields have classes."""
    hints = typing.get_type_hints(cls)
    for name in own_fields(cls):
        held = [v for v in VALUE_TYPES if v in _types_in(hints[name])]
        assert held == ([VALUE_OF[(cls, name)]] if (cls, name) in VALUE_OF else []), name
    for value in VALUE_TYPES:
        assert set(cl.VALUE_FIELDS[value]) == {f.name for f in dataclasses.fields(value)}


def _types_in(hint: object) -> set[object]:
    return {hint, *(t for arg in typing.get_args(hint) for t in _types_in(arg))}


def view_modules() -> list[str]:
    return [f"projections.views.{m.name}" for m in pkgutil.iter_modules(
        projections.views.__path__)]


def test_every_view_column_has_a_class() -> None:
    tables = [t for view in READ_VIEWS for t in view.tables]
    for table in tables:
        assert table.name in cl.TABLE_COLUMNS, f"table {table.name} is not classified"
        assert set(table.names) == set(cl.TABLE_COLUMNS[table.name]), table.name


@pytest.mark.parametrize("module", view_modules())
def test_every_view_row_field_has_a_class(module: str) -> None:
    """Each row dataclass a view module defines reads classified columns only."""
    loaded = importlib.import_module(module)
    columns = {c for cols in cl.TABLE_COLUMNS.values() for c in cols}
    rows = [v for v in vars(loaded).values() if isinstance(v, type) and
            dataclasses.is_dataclass(v) and v.__module__ == module and v.__name__.endswith(
                ("Row", "Tenure"))]
    for row in rows:
        for f in dataclasses.fields(row):
            assert ROW_ALIASES.get(f.name, f.name) in columns, f"{row.__name__}.{f.name}"


def test_personal_classes_and_readers() -> None:
    assert {cl.DataClass.IDENTITY, cl.DataClass.MEDICAL,
                           cl.DataClass.MARRIAGE, cl.DataClass.DISCIPLINE} == cl.PERSONAL
    assert {r for r in ROLES if cl.reads_all(r, cl.PERSONAL)} == {cl.Role.COUNCIL}
    assert not any(cl.reads(r, c) for r in (cl.Role.ARCHIVIST, cl.Role.AUDITOR)
                   for c in cl.PERSONAL)
    assert cl.personal_fields(AgentRegistered) == {
        "birth_date": "identity", "nationality": "identity", "civil_political_rights":
        "identity", "domicile_country": "identity"}


def paths(event_cls: type, payload: dict[str, object], role: cl.Role,
          corrected: type | None = None) -> set[str]:
    return {h.path for h in cl.hidden(event_cls, payload, cl.for_role(role), corrected)}


def test_a_correction_has_the_class_of_the_field_it_corrects() -> None:
    fix = {"corrected_version": 3, "changes": {"spouse_name": "X"}, "annulled": False}
    for role in ROLES:
        expected = set() if cl.reads(role, cl.DataClass.MARRIAGE) else {"changes.spouse_name"}
        assert paths(EventCorrected, fix, role, MarriageRecorded) == expected, role
        assert paths(EventCorrected, fix, role, None) == expected, role


def test_an_unknown_corrected_type_takes_the_strictest_class_of_the_name() -> None:
    fix = {"corrected_version": 3, "changes": {"until": "1960-01-01"}, "annulled": False}
    assert paths(EventCorrected, fix, cl.Role.HR_OFFICER, Posted) == set()
    assert paths(EventCorrected, fix, cl.Role.HR_OFFICER, DisciplinaryDecision) == \
        {"changes.until"}
    assert paths(EventCorrected, fix, cl.Role.HR_OFFICER, None) == {"changes.until"}


def test_value_objects_are_walked() -> None:
    cert = AptitudeCertificate("Dr X", True, date(1950, 1, 1))
    payload = {"aptitude_certificate": cert, "diplomas": [], "conduct_attestation": None}
    assert paths(AttacheAppointed, payload, cl.Role.HR_CLERK) == {"aptitude_certificate"}
    fix = {"corrected_version": 2, "annulled": False,
           "changes": {"aptitude_certificate": {"doctor": "Dr Y", "issued_on": "1950-01-02",
                                                "doctor_designated_by_minister": True}}}
    assert paths(EventCorrected, fix, cl.Role.AUDITOR, AttacheAppointed) == \
        {"changes.aptitude_certificate"}


def test_unclassified_fields_are_read_by_no_one_but_who_reads_everything() -> None:
    payload = {"full_name": "A", "new_field": "secret"}
    assert paths(AgentRegistered, payload, cl.Role.HR_OFFICER) == {"new_field"}
    assert paths(AgentRegistered, payload, cl.Role.COUNCIL) == set()
    assert paths(None, {"anything": 1}, cl.Role.AUDITOR) == {"anything"}


def test_redacted_marks_each_value_and_keeps_the_rest() -> None:
    payload = {"full_name": "A", "birth_date": date(1930, 1, 1), "nationality": None}
    shown, hidden = cl.redacted(AgentRegistered, payload, cl.for_role(cl.Role.AUDITOR),
                                lambda classes: f"<{','.join(sorted(classes))}>")
    assert shown == {"full_name": "A", "birth_date": "<identity>", "nationality": None}
    assert [str(h) for h in hidden] == ["birth_date (identity)"]
