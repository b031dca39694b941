"""Bearer tokens, roles and what each role may see and do.

Tokens are kept as SHA-256 hashes in a JSON file (``AGENT_RECORDS_TOKENS``, default
``data/tokens.json``) and compared in constant time. Demo tokens are generated at first
run into ``data/`` (git-ignored) and printed; none is ever committed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from agent_records.config import settings
from agent_records.domain.classification import DataClass, Role, reads_all


class Permission(StrEnum):
    """What a role may do, and read beyond single records (the whole audit trail,
    exports). What it may read of a record is the classification's: ``Principal.reads``."""

    READ = "read"
    AUDIT = "audit"
    RECORD = "record"
    DECIDE = "decide"
    JUDGE = "judge"
    EXPORT = "export"
    ERASE = "erase"
    """Erase an agent's personal data of one class (data protection)."""


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.HR_CLERK: frozenset({Permission.READ, Permission.RECORD}),
    Role.HR_OFFICER: frozenset({Permission.READ, Permission.RECORD, Permission.DECIDE,
                                Permission.ERASE}),
    Role.COUNCIL: frozenset({Permission.READ, Permission.AUDIT, Permission.JUDGE,
                             Permission.EXPORT, Permission.ERASE}),
    Role.ARCHIVIST: frozenset({Permission.READ, Permission.AUDIT, Permission.EXPORT}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT}),
}
"""Who may do what. Who reads which personal data is ``domain.classification.READERS``."""


@dataclass(frozen=True)
class Principal:
    """Who calls: the token's id (recorded as the actor) and role."""

    id: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def reads(self, classes: Iterable[DataClass]) -> bool:
        """Whether the role reads data of every class of ``classes``."""
        return reads_all(self.role, classes)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Hashed tokens, looked up in constant time per entry."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = [(e["id"], Role(e["role"]), e["sha256"]) for e in entries]

    @classmethod
    def load(cls, path: Path) -> TokenStore:
        return cls(json.loads(path.read_text())["tokens"])

    def authenticate(self, token: str) -> Principal | None:
        """The principal of ``token``, or None; every entry is compared."""
        hashed = digest(token)
        found = None
        for token_id, role, expected in self.entries:
            if hmac.compare_digest(hashed, expected):
                found = Principal(token_id, role)
        return found


def tokens_path() -> Path:
    return settings().tokens


def ensure_demo_tokens(path: Path | None = None) -> dict[str, str]:
    """Creates one demo token per role at first run; returns the plaintext ones on file.

    The hashes go to ``tokens.json``; the plaintext tokens to ``demo-tokens.json`` beside
    it (mode 600) so ``make run`` can print them again. Both stay in ``data/``.
    """
    path = path or tokens_path()
    plain_path = path.with_name("demo-tokens.json")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        plain = {f"demo-{r.value.replace('_', '-')}": secrets.token_urlsafe(24) for r in Role}
        entries = [{"id": tid, "role": tid[5:].replace("-", "_"), "sha256": digest(tok)}
                   for tid, tok in plain.items()]
        path.write_text(json.dumps({"tokens": entries}, indent=2))
        plain_path.write_text(json.dumps(plain, indent=2))
        plain_path.chmod(0o600)
    return json.loads(plain_path.read_text()) if plain_path.exists() else {}
