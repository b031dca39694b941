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
    # authorities
    "SOVEREIGN": N_("the Sovereign"), "MINISTER": N_("the minister"),
    "HEAD_OF_POST": N_("the head of post"), "COUNCIL": N_("the council"),
    # diplomas
    "DOCTORATE_IN_LAW": N_("doctorate in law"), "SECONDARY": N_("secondary school"),
    "UNIVERSITY": N_("university"),
    # kinds of leave
    "ANNUAL": N_("annual"), "URGENCY": N_("urgency"), "EXCEPTIONAL": N_("exceptional"),
    # grounds of a chargé d'affaires a.i.
    "ABSENCE": N_("absence of the head of post"),
    "IMPEDIMENT": N_("impediment of the head of post"),
    "LEAVE": N_("leave of the head of post"), "VACANCY": N_("vacant post"),
    "NOT_STATED": N_("not stated"),
    # honorary titles (the decree's term stays French)
    "COMMERCE_EXTERIEUR": "conseiller du Commerce extérieur",
    "RETAINED_TITLE": N_("title kept on leaving"),
    # disciplinary bodies and outcomes
    "COUNCIL_OF_MINISTERS": N_("Council of Ministers"), "ORDINARY": N_("ordinary body"),
    "NO_PENALTY": N_("no penalty"), "WARNING": N_("warning"), "REPRIMAND": N_("reprimand"),
    "FINE": N_("fine"), "SUSPENSION": N_("suspension"), "DISMISSAL": N_("dismissal"),
    # breaches (the codes of the ``breaches`` query)
    "marriage_without_authorisation": N_("marriage without authorisation"),
    "absent_without_leave": N_("absent without leave"),
    "urgency_leave_notified_late": N_("urgency leave notified late"),
    "urgency_leave_not_notified": N_("urgency leave not notified"),
    "serving_beyond_65": N_("serving beyond 65"),
    # what falls due
    "TERM_END": N_("end of term"), "AGE_LIMIT": N_("age limit"),
    "EXTENSION_END": N_("end of extension"),
    "URGENCY_NOT_NOTIFIED": N_("urgency leave not notified"),
    "PROMOTION_ELIGIBLE": N_("eligible for promotion"),
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
