"""The bounds of every input field, defined once: the domain checks them, the API shows them.

Why: a value the rules never look at can still poison the record. A birth date in the
year 9999 is stored and then stops every view computing a 65th birthday; a NUL byte is
refused by PostgreSQL only when a view writes it; a megabyte name or a lone surrogate
costs every reader. So every field of every event (and the decision that carries it) is
bounded here by its name, whatever event it belongs to, and a value out of bounds is an
``InvalidInput`` naming the field, raised before anything is emitted.

The bounds are relative to ``today``, the day the service records the event (the domain
stamps that instant itself): no event before ``EARLIEST_EVENT`` nor more than
``YEARS_AHEAD`` years after recording; a person is between ``MIN_AGE`` and ``MAX_AGE``
years old at each fact of their career.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from agent_records.domain.calendar import add_years, age_on
from agent_records.domain.errors import InvalidInput

EARLIEST_EVENT = date(1900, 1, 1)
"""No career event takes effect before this day (the oldest records start around 1920)."""
EARLIEST_BIRTH = date(1848, 1, 1)
"""No one on record was born before this day (100 years old at the decree)."""
YEARS_AHEAD = 5
"""An event may be decided ahead of time, at most this many years after it is recorded."""
MIN_AGE, MAX_AGE = 16, 100
"""A person's age, in completed years, at each fact of their career (not at registration,
which may open a record at birth)."""

SHORT_TEXT = 200
"""Names, references, codes and titles, in characters (NFC code points)."""
LONG_TEXT = 4000
"""Free texts: reasons, facts, justifications."""
FREE_TEXTS = frozenset({"reason", "facts", "exception_justification",
                        "foreign_diploma_exception"})
"""Fields holding free text: ``LONG_TEXT`` characters, line breaks (LF, CR) and tabs allowed."""
COUNTRY_CODES = frozenset({"nationality"})
"""Fields that must be an ISO 3166 alpha-2 code in capitals, such as LU."""
NOT_EMPTY = frozenset({"full_name", "code", "data_class", "erasure_basis"})
"""Fields that must hold more than blanks (a person's name, a post's code)."""

MAX_VERSION = 1_000_000
"""The highest version an agent's record can reach (one event per version)."""
INTEGERS: dict[str, tuple[int, int]] = {
    "prior_public_service_days": (0, 60 * 366),
    "years_of_study": (0, 30),
    "travel_days": (0, 366),
    "request_version": (1, MAX_VERSION),
    "leave_version": (1, MAX_VERSION),
    "referral_version": (1, MAX_VERSION),
    "corrected_version": (1, MAX_VERSION),
}
"""Every integer field of every event, with its least and greatest value."""

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def utc_today() -> date:
    """The recording day (UTC), as the event's timestamp will say."""
    return datetime.now(UTC).date()


@functools.lru_cache(maxsize=1024)
def leaf(field: str) -> str:
    """The field's own name in a path such as ``diplomas[0].years_of_study`` (kept for
    the few names commands use: every text of every command asks it twice)."""
    return re.sub(r"\[\d+\]", "", field).rsplit(".", 1)[-1]


def shown(value: Any, limit: int = 60) -> str:
    """A value for an error message, cut short: a refusal never echoes a megabyte."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


@dataclass(frozen=True)
class Span:
    """The dates a field accepts, from ``low`` to ``high`` inclusive."""

    low: date
    high: date


@functools.lru_cache(maxsize=256)
def date_span(field: str, today: date) -> Span:
    """Birth dates: the person is at least ``MIN_AGE`` today; other dates: career span
    (kept per field and day: every date of every command asks it)."""
    if leaf(field) == "birth_date":
        return Span(EARLIEST_BIRTH, add_years(today, -MIN_AGE))
    return Span(EARLIEST_EVENT, add_years(today, YEARS_AHEAD))


def text_limit(field: str) -> int:
    """The greatest length of a text field, in characters."""
    return _limit(leaf(field))


def _limit(name: str) -> int:
    """``text_limit`` of a field by its own name (``leaf``)."""
    return LONG_TEXT if name in FREE_TEXTS else SHORT_TEXT


def text(field: str, value: str) -> str:
    """``value`` normalised to NFC, refused if it has a lone surrogate, a control
    character (free texts may hold line breaks and tabs) or too many characters.

    Printable ASCII (most texts: every command's actor, role, reason and correlation
    id) holds no surrogate and no control character and is its own NFC (``normalize``
    gives back the very string): only its length and content are checked."""
    name = leaf(field)
    limit = _limit(name)
    if len(value) > 4 * limit:  # before normalising a huge value
        raise _too_long(field, len(value))
    if not (value.isascii() and value.isprintable()):
        if _SURROGATE.search(value):
            raise InvalidInput(f"{field}: a lone surrogate is not a character", field=field)
        value = unicodedata.normalize("NFC", value)
        control = (_CONTROL_IN_FREE_TEXT if name in FREE_TEXTS else _CONTROL).search(value)
        if control:
            raise InvalidInput(f"{field}: control character U+{ord(control.group()):04X} "
                               f"at position {control.start()}", field=field)
    if len(value) > limit:
        raise _too_long(field, len(value))
    if name in NOT_EMPTY and not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if name in COUNTRY_CODES and not re.fullmatch("[A-Z]{2}", value):
        raise InvalidInput(f"{field}: expected an ISO 3166 alpha-2 code such as LU, got "
                           f"{shown(value)}", field=field)
    return value


def _too_long(field: str, length: int) -> InvalidInput:
    return InvalidInput(f"{field}: at most {text_limit(field)} characters, got {length}",
                        field=field)


def integer(field: str, value: int) -> int:
    """``value`` if within the field's bounds."""
    low, high = INTEGERS.get(leaf(field), (0, MAX_VERSION))
    if not low <= value <= high:
        raise InvalidInput(f"{field}: expected an integer from {low} to {high}, got "
                           f"{shown(value)}", field=field)
    return value


def day(field: str, value: date, today: date) -> date:
    """``value`` if a plain date within the field's span."""
    if isinstance(value, datetime):
        raise InvalidInput(f"{field}: expected a date, got {shown(value)}", field=field)
    span = date_span(field, today)
    if not span.low <= value <= span.high:
        raise InvalidInput(f"{field}: expected a date from {span.low} to {span.high}, got "
                           f"{value}", field=field)
    return value


def age(birth: date, on: date, field: str = "effective_date", youngest: int = MIN_AGE) -> None:
    """Refuses a fact that would make the person younger than ``youngest`` (``MIN_AGE``
    for career facts, 0 for a registration) or older than ``MAX_AGE`` on ``on``."""
    years = age_on(birth, on)
    if not youngest <= years <= MAX_AGE:
        raise InvalidInput(f"{field}: the person (born {birth}) would be {years} on {on}; "
                           f"expected an age from {youngest} to {MAX_AGE}", field=field)


def bounded(field: str, value: Any, today: date) -> Any:
    """``value`` (already of its declared type) checked and normalised, at any depth."""
    if value is None or isinstance(value, bool | Enum):
        return value
    if isinstance(value, str):
        return text(field, value)
    if isinstance(value, int):
        return integer(field, value)
    if isinstance(value, date):
        return day(field, value, today)
    if isinstance(value, tuple | list):
        return tuple(bounded(f"{field}[{i}]", v, today) for i, v in enumerate(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{
            f.name: bounded(f"{field}.{f.name}", getattr(value, f.name), today)
            for f in dataclasses.fields(value)})
    raise InvalidInput(f"{field}: unexpected value {shown(value)}", field=field)


def describe(field: str, tp: Any = str) -> str:
    """The bounds of a field in a sentence, for the API's schema descriptions."""
    message, values = sentence(field, tp)
    return message % values


def sentence(field: str, tp: Any = str) -> tuple[str, dict[str, Any]]:
    """``describe``'s sentence as a template with ``%(name)s`` placeholders and their
    values: the web forms translate the template (``web.command_labels.HELP`` lists each
    one) and fill in the values."""
    name = leaf(field)
    if tp is date:
        if name == "birth_date":
            return ("A date from %(earliest)s to %(min_age)s years before recording; the "
                    "person is %(min_age)s to %(max_age)s years old at each career fact.",
                    {"earliest": EARLIEST_BIRTH, "min_age": MIN_AGE, "max_age": MAX_AGE})
        if name == "effective_date":
            return ("A date from %(earliest)s to %(ahead)s years after recording; the person "
                    "is %(min_age)s to %(max_age)s years old then (any age at registration).",
                    {"earliest": EARLIEST_EVENT, "ahead": YEARS_AHEAD, "min_age": MIN_AGE,
                     "max_age": MAX_AGE})
        return ("A date from %(earliest)s to %(ahead)s years after recording.",
                {"earliest": EARLIEST_EVENT, "ahead": YEARS_AHEAD})
    if tp is int:
        low, high = INTEGERS.get(name, (0, MAX_VERSION))
        return "An integer from %(low)s to %(high)s.", {"low": low, "high": high}
    if name in COUNTRY_CODES:
        return "An ISO 3166 alpha-2 country code in capitals, such as LU.", {}
    extra = " but line breaks and tabs" if name in FREE_TEXTS else ""
    empty = ", not blank" if name in NOT_EMPTY else ""
    return (f"At most %(limit)s characters{empty}; no control characters{extra}, "
            "no lone surrogates; stored in Unicode NFC.", {"limit": text_limit(field)})
