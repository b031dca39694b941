"""Erasure of personal data: which classes the rules let go, and what the record keeps.

Medical, marriage and discipline data may be erased (their retention ends under the
data-protection law): the rules that read them ran when each fact was recorded, and the
fold reads an erased value as such (``domain.erased``). Identity data may not: the birth
date gives the age limit (Art. 21) and the age of every later fact, for as long as the
record is evaluated. What a class's erasure keeps in clear: ``classification.FOLDED``.
"""

from __future__ import annotations

from agent_records.domain.classification.classes import ERASABLE, DataClass
from agent_records.domain.events import PersonalDataErased
from agent_records.domain.rules.check import Check, Handler
from agent_records.domain.state import CareerState, evolve

ERASABLE_NAMES = sorted(c.value for c in ERASABLE)


def erased(s: CareerState, e: PersonalDataErased, ck: Check) -> CareerState:
    """The class is erasable; the record notes it (the store destroys the key)."""
    known = e.data_class in {c.value for c in DataClass}
    if not ck.require(e.data_class in ERASABLE_NAMES, None, "not_erasable",
                      f"{e.data_class} data cannot be erased: "
                      + ("the record needs the birth date for the age limit of Art. 21 "
                         "and the conditions of Art. 6; " if e.data_class == "identity"
                         else "" if known else "no such class; ")
                      + f"erasable classes: {', '.join(ERASABLE_NAMES)}", "data_class"):
        return s
    return evolve(s, erased=(*s.erased, e.data_class))


HANDLERS: dict[type, Handler] = {PersonalDataErased: erased}
