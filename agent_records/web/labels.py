"""How the pages name the record's values. The decree's grades keep their French names
(the decree's own terms) whatever the page's language; the other values are English
words marked for translation (``N_``) and translated where shown (``web.render``)."""

from __future__ import annotations

from agent_records.web.languages import N_

GRADES = {"ATTACHE": "attaché de Légation", "SECRETAIRE": "secrétaire de Légation",
          "CONSEILLER": "conseiller de Légation",
          "ENVOYE": "envoyé extraordinaire et ministre plénipotentiaire"}
STATUSES = ("CANDIDATE", "APPOINTED", "SERVING", "ON_LEAVE", "SUSPENDED", "RESIGNED",
            "RETIRED", "LAPSED", "DISMISSED", "HONORARY")
WORDS = {
    # statuses
    "CANDIDATE": N_("candidate"), "APPOINTED": N_("appointed"), "SERVING": N_("serving"),
    "ON_LEAVE": N_("on leave"), "SUSPENDED": N_("suspended"), "RESIGNED": N_("resigned"),
    "RETIRED": N_("retired"), "LAPSED": N_("lapsed"), "DISMISSED": N_("dismissed"),
    "HONORARY": N_("honorary"),
    # categories
    "DIPLOMATIC": N_("diplomatic"), "CHANCELLERY": N_("chancellery"),
    "SPECIAL_ATTRIBUTIONS": N_("special attributions"),
    "MINISTRY_OFFICIAL": N_("ministry official"), "PERSONALITY": N_("personality"),
    # kinds of position
    "SOVEREIGN_DISPOSAL": N_("at the Sovereign's disposal"), "ABROAD": N_("abroad"),
    "MINISTRY": N_("ministry"), "OTHER_MINISTRY": N_("another ministry"),
    "SPECIAL_MISSION": N_("special mission"),
    "INTERNATIONAL_ORGANISATION": N_("international organisation"),
}


def grade(value: str | None) -> str:
    return GRADES.get(value or "", value or "—")


def words(value: str | None) -> str:
    """An enum value as English words (``ON_LEAVE`` -> ``on leave``), to be translated."""
    if not value:
        return "—"
    return WORDS.get(value) or value.replace("_", " ").lower()


status = words
"""A status as words (the same rule; kept as its own filter for the templates)."""
