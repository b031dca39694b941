"""The pages' languages: French and English, by gettext catalogues compiled at start-up.

The labels are written in English in the templates and the code (``_()``, ``{% trans %}``,
``Text``) and translated through ``locale/fr/LC_MESSAGES/messages.po``, the source of
truth (``make messages`` extracts new labels into it). No ``.mo`` file is kept: the
``.po`` is compiled in memory when first needed (``translations``).

A request's language (``choose``): the one the user chose with the switch (a cookie set
by a CSRF-checked form) if any, else the first of the browser's ``Accept-Language`` the
pages speak, else ``AGENT_RECORDS_WEB_LANGUAGE`` (French by default: the ministry's
administrative language and the decree's). The decree's own terms (the grades,
attaché de Légation, chargé d'affaires a.i.) are French in both languages.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"fr": "Français", "en": "English"}
"""The languages of the pages, each named in itself (the switch's labels)."""
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
"""How dates are written in each language (English dates the European way, 1 March 1985)."""
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "agent_records_language"
CHOSEN_FOR = 365 * 24 * 3600
"""Seconds the switch's choice is remembered in the browser."""


def N_(message: str) -> str:
    """Marks ``message`` for extraction without translating it (translated where shown)."""
    return message


@dataclass(frozen=True)
class Text:
    """A message of the code, translated where it is shown: its English text (a msgid,
    extracted by ``make messages``) and the values of its ``%(name)s`` placeholders."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``, compiled from its ``.po`` in memory (English: the
    labels as written)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def accepted(header: str) -> list[str]:
    """The primary languages of an ``Accept-Language`` header, most wanted first
    (``fr-LU;q=0.8, en`` -> ``["en", "fr"]``); malformed parts are skipped."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            ranked.append((-quality, n, tag.split("-")[0].strip().lower()))
    return [language for _, _, language in sorted(ranked)]


def choose(chosen: str | None, accept_language: str | None, default: str) -> str:
    """The page's language: the switch's choice, the browser's preference, the default."""
    if chosen in LANGUAGES:
        return chosen
    for language in accepted(accept_language or ""):
        if language in LANGUAGES:
            return language
    return default


def day(value: str | None, language: str) -> str:
    """An ISO date (``1985-03-01``) as the language writes it (1 mars 1985, 1 March 1985);
    anything else as it is."""
    try:
        parsed = date.fromisoformat(value or "")
    except ValueError:
        return value or "—"
    return format_date(parsed, "long", locale=LOCALES[language])


def instant(value: str | None, language: str) -> str:
    """An ISO instant (``recordedAt``) as date and time to the second, in UTC."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return value or "—"
    written = format_datetime(parsed, "medium", tzinfo=parsed.tzinfo, locale=LOCALES[language])
    return f"{written} UTC" if parsed.utcoffset() is not None and not parsed.utcoffset() \
        else written
