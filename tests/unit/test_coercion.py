"""The fast ways a command's values are typed and bounded give what the general ways give.

``coercion.typer`` sends a value already of its field's type (or None for an optional,
or an enum's text) straight to its bound; ``bounds.text`` checks printable ASCII without
the regular expressions and the normalisation. Both are compared, over generated values
of every kind and every field of every event, with the general path they shortcut
(``bounds.bounded(field, coerce(...))``, and ``text`` as it was written before): the
same value, to its type, or the same refusal.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agent_records.domain import bounds
from agent_records.domain import events as ev
from agent_records.domain import values as vo
from agent_records.domain.coercion import coerce, field_types, typers
from agent_records.domain.errors import InvalidInput
from agent_records.domain.post import PostOpened
from tests.unit.test_bounds import EVENTS, SETTINGS

TODAY = bounds.utc_today()
FIELDS = sorted({(cls, name) for cls in [*EVENTS, PostOpened] for name in field_types(cls)
                 if name not in ("originator_id", "originator_topic", "timestamp")
                 and not name.isupper() and name != "class_version"},
                key=lambda f: (f[0].__name__, f[1]))
ENUMS = [vo.Grade, vo.Category, vo.Authority, vo.PositionKind, vo.LeaveKind, vo.ChargeGround,
         vo.HonoraryKind, vo.DisciplinaryBody, vo.Outcome]

texts = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    st.text(max_size=30),
    st.text(st.sampled_from("aé\u0301\t\n\x00\x7f\x85 Z"), max_size=12),
    st.sampled_from(["", "   ", "LU", "lu", "L", "annual", "minister", "secretaire", "x" * 201,
                     "x" * 801, "y" * 4001, "\ud800", "e\u0301", "BRU", "Art. 15"]),
)
values = st.one_of(
    texts,
    st.sampled_from([m for e in ENUMS for m in e]),
    st.dates(date(1800, 1, 1), date(2100, 12, 31)),
    st.sampled_from([date(1899, 12, 31), date(1900, 1, 1), TODAY, datetime(1950, 1, 1)]),
    st.integers(-5, 2_000_000),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["kind", "year", "x"]), st.integers(0, 3), max_size=2),
)


def outcome(make: Any) -> tuple[str, str]:
    """What a way of typing gave: the value to its type (``repr``: an enum member and its
    text are equal, but not alike), or the refusal."""
    try:
        value = make()
    except (InvalidInput, TypeError, ValueError) as refused:
        return type(refused).__name__, f"{refused} [{getattr(refused, 'field', None)}]"
    return type(value).__name__, repr(value)


@SETTINGS
@given(st.sampled_from(FIELDS), values)
def test_a_field_is_typed_as_the_general_path_types_it(field: tuple[type, str],
                                                       value: Any) -> None:
    cls, name = field
    hint = field_types(cls)[name]
    assert outcome(lambda: typers(cls)[name](value, TODAY)) == outcome(
        lambda: bounds.bounded(name, coerce(hint, value, name), TODAY))


def test_every_kind_of_field_has_its_fast_path() -> None:
    """The shortcut is taken where commands give values of the declared types (not a
    test of the values: ``typer`` falls back to ``general`` for anything else)."""
    kinds = {typers(cls)[name].__name__ for cls, name in FIELDS}
    assert kinds == {"fast", "general"}
    assert typers(ev.LeaveGranted)["kind"].__name__ == "fast"
    assert typers(ev.AttacheAppointed)["diplomas"].__name__ == "general"


def text_before(field: str, value: str) -> str:
    """``bounds.text`` as it was before its printable-ASCII shortcut."""
    name = bounds.leaf(field)
    if len(value) > 4 * bounds.text_limit(field):
        raise bounds._too_long(field, len(value))
    if bounds._SURROGATE.search(value):
        raise InvalidInput(f"{field}: a lone surrogate is not a character", field=field)
    value = unicodedata.normalize("NFC", value)
    control = (bounds._CONTROL_IN_FREE_TEXT if name in bounds.FREE_TEXTS
               else bounds._CONTROL).search(value)
    if control:
        raise InvalidInput(f"{field}: control character U+{ord(control.group()):04X} at "
                           f"position {control.start()}", field=field)
    if len(value) > bounds.text_limit(field):
        raise bounds._too_long(field, len(value))
    if name in bounds.NOT_EMPTY and not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if name in bounds.COUNTRY_CODES and not re.fullmatch("[A-Z]{2}", value):
        raise InvalidInput(f"{field}: expected an ISO 3166 alpha-2 code such as LU, got "
                           f"{bounds.shown(value)}", field=field)
    return value


@SETTINGS
@given(st.sampled_from(["reason", "facts", "full_name", "nationality", "code",
                        "actor", "diplomas[0].institution"]),
       st.one_of(texts, st.sampled_from([m.value for m in vo.Grade]).map(vo.Grade)))
def test_a_text_is_bounded_as_before(field: str, value: str) -> None:
    assert outcome(lambda: bounds.text(field, value)) == outcome(
        lambda: text_before(field, value))
