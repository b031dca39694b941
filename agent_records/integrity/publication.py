"""Where signed checkpoints are published, off the database, and the rule that they are
written once.

One folder per store and signing key, ``<checkpoints>/store-<store id>-key-<fingerprint>/``,
named by the id kept in the store (``identity``), never by its URL: the same store opened
under another URL finds its checkpoints. Each note is a new file,
``checkpoint-<size>.txt``, written to a temporary file, flushed to disk and linked into
place, which fails if the name exists: a published note is never overwritten, not even
by a concurrent writer. ``store.txt`` records the store id and the URL of the first
publication: a store without checkpoints of its own at a URL where another id published
some had its id changed (``service.unknown_identity``). Folders of the earlier layout
(named after the store URL) are adopted on first use: their notes are copied into the
new folder and the old folder is kept, marked, so that no publication is lost.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from agent_records.application import AgentRecords
from agent_records.config import checkpoints_dir
from agent_records.integrity.checkpoint import public_bytes, verify_note
from agent_records.integrity.identity import store_id
from projections.engine.store import ViewStore

NOTE = re.compile(r"checkpoint-(\d+)\.txt")
ADOPTED = "ADOPTED-BY"
STORE = "store.txt"


class PublicationRefused(ValueError):
    """A published file exists with other content: it is kept, nothing is written."""


def fingerprint(key: Ed25519PublicKey) -> str:
    """16 hex digits of SHA-256 over the raw public key: names the key in folder names."""
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def legacy_folder(app: AgentRecords) -> Path:
    """The folder of the earlier layout: named from the store URL as displayed."""
    tag = hashlib.sha256(app.settings.display.encode()).hexdigest()[:12]
    return checkpoints_dir() / f"{app.settings.backend}-{tag}"


def write_once(path: Path, text: str) -> bool:
    """Writes ``text`` at ``path`` unless it exists: True if written, False if the same
    bytes were already there; PublicationRefused if other bytes are there."""
    data = text.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return _same(path, data)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)  # atomic, and never replaces an existing file
        except FileExistsError:
            return _same(path, data)
    finally:
        os.unlink(temporary)
    _sync_folder(path.parent)
    return True


def _same(path: Path, data: bytes) -> bool:
    if path.read_bytes() != data:
        raise PublicationRefused(f"{path} is already published with other content: "
                                 "it is kept as it is and nothing was written")
    return False


def _sync_folder(folder: Path) -> None:
    """Makes the new name durable (the rename/link itself lives in the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Publication:
    """The published checkpoints of one store under one signing key."""

    folder: Path
    store_id: str
    key_fingerprint: str

    @classmethod
    def of(cls, app: AgentRecords, store: ViewStore, key: Ed25519PublicKey,
           verifier: str) -> Publication:
        """The store's folder (its id is created if it has none), after adopting the
        folder of the earlier layout for this URL, if any."""
        ident, key_print = store_id(store), fingerprint(key)
        found = cls(checkpoints_dir() / f"store-{ident}-key-{key_print}", ident, key_print)
        found.adopt(legacy_folder(app), verifier, app.settings.display)
        return found

    def notes(self) -> list[tuple[Path, str]]:
        """(file, note) of every published checkpoint, by tree size."""
        if not self.folder.is_dir():
            return []
        files = [(int(m.group(1)), f) for f in self.folder.iterdir()
                 if (m := NOTE.fullmatch(f.name))]
        return [(f, f.read_text(encoding="utf-8")) for _, f in sorted(files)]

    def publish(self, size: int, note: str, verifier: str, url: str) -> Path:
        """Writes the note of tree ``size`` (and the verifier key), never overwriting; the
        first note also records the URL the store was published under (``store.txt``)."""
        path = self.folder / f"checkpoint-{size}.txt"
        write_once(path, note)
        write_once(self.folder / "verifier.key", verifier + "\n")
        if not (self.folder / STORE).exists():
            write_once(self.folder / STORE, f"store {self.store_id}\nurl {url}\n")
        return path

    def same_url_elsewhere(self, url: str) -> list[Path]:
        """Folders of this key where another store id published under ``url``: a store
        that has none of its own there, yet whose URL has some, had its id changed (or
        was replaced by a new store at the same URL). Folders of the earlier layout count
        through the folder that adopted them."""
        found = []
        for folder in sorted(checkpoints_dir().glob(f"store-*-key-{self.key_fingerprint}")):
            record = folder / STORE
            if folder != self.folder and record.is_file() and (
                    f"url {url}" in record.read_text(encoding="utf-8").splitlines()):
                found.append(folder)
        return found

    def adopt(self, legacy: Path, verifier: str, url: str) -> None:
        """Copies the notes of a folder of the earlier layout that this key signed, once:
        the folder is then marked as adopted by this store and never adopted again (a
        later store at the same URL is another store)."""
        marker = legacy / ADOPTED
        if not legacy.is_dir() or marker.exists():
            return
        for path in sorted(legacy.glob("checkpoint-*.txt")):
            note = path.read_text(encoding="utf-8")
            try:
                size = verify_note(note, verifier).size
            except ValueError:
                continue  # another key's (or a damaged) note: left where it is
            self.publish(size, note, verifier, url)
        write_once(marker, f"store-{self.store_id}-key-{self.key_fingerprint}\n")
