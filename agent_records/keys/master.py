"""The master key: 32 bytes kept outside the database, wrapping every agent's data key.

Held in a file (``AGENT_RECORDS_MASTER_KEY``, default ``<data>/master-key``, base64),
created at first use only while the store holds no wrapped key: a store whose keys
exist but whose master key file is missing or different is refused with one line naming
the setting, before anything is written. Lost, the personal data of every event stored
encrypted cannot be read again (the career data, stored in clear, can).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from agent_records.config import settings
from agent_records.errors import InfrastructureError

SETTING = "AGENT_RECORDS_MASTER_KEY"
SIZE = 32


class MasterKeyError(InfrastructureError):
    """The master key is missing or is not the one the store's keys are wrapped with;
    nothing was written."""

    code = "master_key_unusable"


class MasterKey:
    """A master key: wraps and unwraps data keys (AES key wrap, RFC 3394)."""

    def __init__(self, secret: bytes, path: Path | None = None) -> None:
        if len(secret) != SIZE:
            raise MasterKeyError(f"{SETTING}: {path or 'the master key'} holds "
                                 f"{len(secret)} bytes, not {SIZE}")
        self.secret, self.path = secret, path

    def wrap(self, key: bytes) -> bytes:
        return aes_key_wrap(self.secret, key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self.secret, wrapped)
        except InvalidUnwrap:
            raise MasterKeyError(
                f"{SETTING}: {self.path or 'the master key'} is not the master key the "
                "store's data keys are wrapped with (wrong file, or rotated elsewhere); "
                "nothing was written") from None

    @classmethod
    def generate(cls, path: Path | None = None) -> MasterKey:
        return cls(os.urandom(SIZE), path)


def master_path() -> Path:
    return settings().master_key


def read(path: Path) -> MasterKey | None:
    """The master key in ``path``, None when the file does not exist."""
    if not path.exists():
        return None
    try:
        secret = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{SETTING}: {path} is not a base64 master key") from None
    return MasterKey(secret, path)


def write(key: MasterKey, path: Path) -> None:
    """Writes ``key`` to ``path`` (mode 600), never over an existing file: written aside,
    then linked into place, so a process racing to create it reads a whole key or none
    (``FileExistsError`` for the one that lost)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(key.secret) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)


def missing(path: Path) -> MasterKeyError:
    return MasterKeyError(
        f"{SETTING}: the master key file {path} is missing, and the store holds data keys "
        "wrapped by one; restore it from its backup (without it the personal data stored "
        "encrypted cannot be read); nothing was written")
