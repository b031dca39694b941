"""The French catalogue kept in step with the labels: ``make messages``.

Extracts every label of the pages (``_()``, ``gettext``/``ngettext``, ``{% trans %}`` in
the templates; ``N_``, ``Text`` and a literal title of ``refusal`` in the code; where to
look is ``babel.cfg``), adds the new ones to ``locale/fr/LC_MESSAGES/messages.po``
untranslated, drops the ones no page uses any more, and lists what still has no French
translation (``tests/web/test_languages.py`` fails while any is left). The ``.po`` is
written sorted and without line numbers, so that it changes only where a label did.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from agent_records.web.languages import LOCALE_DIR

WEB = Path(__file__).parent
CONFIG = WEB.parents[1] / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "Text": None, "refusal": (4,)}
"""gettext's usual names, the code's ``Text(message, ...)``, and ``refusal``'s title (its
fourth argument)."""
FRENCH = LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every label the pages use, as a catalogue template."""
    with CONFIG.open() as handle:
        method_map, options_map = parse_mapping_cfg(  # type: ignore[no-untyped-call]
            handle, str(CONFIG))
    template = Catalog(project="agent-records", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            WEB, method_map, options_map, KEYWORDS):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


def read(path: Path = FRENCH) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The labels of ``template`` that ``catalog`` does not translate (absent, empty or
    fuzzy), as their English text."""
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, message.context)
        strings = translated.string if translated else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(texts):
            found.append(message.id if isinstance(message.id, str) else message.id[0])
    return found


def update(path: Path = FRENCH) -> list[str]:
    """Brings the French ``.po`` in step with the labels; returns the untranslated ones."""
    template = extract()
    catalog = read(path)
    created = catalog.creation_date  # kept: the file changes only where a label did
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = created
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, width=88, sort_output=True, include_lineno=False,
                 ignore_obsolete=True)
    return missing(catalog, template)


def main() -> int:
    left = update()
    print(f"{FRENCH.relative_to(WEB.parents[1])}: {len(left)} label(s) without a French "
          "translation" + (":" if left else "."))
    for message in left:
        print(f"  {message!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
