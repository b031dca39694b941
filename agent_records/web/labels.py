"""How the pages name the record's values. The decree's grades keep their French names
(the decree's own terms) whatever the page's language."""

from __future__ import annotations

GRADES = {"ATTACHE": "attaché de Légation", "SECRETAIRE": "secrétaire de Légation",
          "CONSEILLER": "conseiller de Légation",
          "ENVOYE": "envoyé extraordinaire et ministre plénipotentiaire"}
STATUSES = ("CANDIDATE", "APPOINTED", "SERVING", "ON_LEAVE", "SUSPENDED", "RESIGNED",
            "RETIRED", "LAPSED", "DISMISSED", "HONORARY")


def grade(value: str | None) -> str:
    return GRADES.get(value or "", value or "—")


def status(value: str | None) -> str:
    return (value or "—").replace("_", " ").lower()


def words(value: str | None) -> str:
    """An enum value as words (``DIPLOMATIC`` -> ``diplomatic``)."""
    return (value or "—").replace("_", " ").lower()
