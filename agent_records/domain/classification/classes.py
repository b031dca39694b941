"""The classes of data and the roles that read each: the one place to change who reads what."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """The service's roles; a token carries one, an event records its actor's."""

    HR_CLERK = "hr_clerk"
    HR_OFFICER = "hr_officer"
    COUNCIL = "council"
    ARCHIVIST = "archivist"
    AUDITOR = "auditor"


class DataClass(StrEnum):
    """What kind of data a field holds; personal ones are read by fewer roles."""

    CAREER = "career"
    """Public career facts: name, grade, status, posts, leave, titles, effective dates."""
    AUDIT = "audit"
    """Audit metadata: who recorded what, when, on which legal basis, with which seal."""
    IDENTITY = "identity"
    """Identity facts of Art. 6: birth date (and what derives from it: the 65th birthday,
    the service limit), nationality, civil rights, domicile, conduct attestation."""
    MEDICAL = "medical"
    """Art. 6 physical aptitude: the certificate, its doctor and date."""
    MARRIAGE = "marriage"
    """Art. 13: requests, authorisations, spouses."""
    DISCIPLINE = "discipline"
    """Art. 23, 24: referrals, their facts, decisions and outcomes; breaches."""


ALL_ROLES = frozenset(Role)
READERS: dict[DataClass, frozenset[Role]] = {
    DataClass.CAREER: ALL_ROLES,
    DataClass.AUDIT: ALL_ROLES,
    DataClass.IDENTITY: frozenset({Role.HR_CLERK, Role.HR_OFFICER, Role.COUNCIL}),
    DataClass.MEDICAL: frozenset({Role.HR_OFFICER, Role.COUNCIL}),
    DataClass.MARRIAGE: frozenset({Role.HR_OFFICER, Role.COUNCIL}),
    DataClass.DISCIPLINE: frozenset({Role.COUNCIL}),
}
"""Who reads each class. Archivists and auditors read career facts and audit metadata only."""

PERSONAL = frozenset(c for c, roles in READERS.items() if roles != ALL_ROLES)
"""The personal classes: withheld from exports without personal data; what erasure erases."""
EVERY_CLASS = frozenset(DataClass)
ERASABLE = frozenset({DataClass.MEDICAL, DataClass.MARRIAGE, DataClass.DISCIPLINE})
"""The classes ``PersonalDataErased`` may erase. Identity is not: the fold needs the birth
date for the age limit of Art. 21 (and the age and nationality of Art. 6) for as long as
the record is evaluated."""


def reads(role: str, cls: DataClass) -> bool:
    """Whether ``role`` (a role name) may read data of class ``cls``."""
    return role in READERS[cls]


def reads_all(role: str, classes: Iterable[DataClass]) -> bool:
    """Whether ``role`` may read every class of ``classes`` (True for none)."""
    return all(role in READERS[c] for c in classes)
