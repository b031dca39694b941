"""Exports asked for on the archives' page, made by the service in a thread of its own.

An export can take minutes; a page cannot wait for it, and the pages have no script to
poll with. So the form starts a job: a thread writes the export (the archive's own
writers, ``archive.export`` and ``archive.bag``) into a folder of its own under the data
folder (``<data>/web-exports/<job>/``), and the job's page, refreshed by the browser
every second (``<meta http-equiv="refresh">``), shows what the writer reports through
its ``watch`` callback (events written, the log position reached, of the head's) and the
bytes already on disk. Once done, the page links to the file with its size; the download
streams it from disk and deletes it. A job not downloaded is deleted after ``EXPIRY``.

A job belongs to the person who asked for it: another session gets 404. Jobs are kept in
the process's memory, as sessions are (README, "Web pages"); their folders left by a
stopped process are deleted when older than ``EXPIRY``.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent_records.api.services import Services
from agent_records.archive.bag import write_bag
from agent_records.archive.export import Summary, write_csv, write_jsonl
from agent_records.archive.records import ExportError, Selection
from agent_records.errors import InfrastructureError

EXPIRY = 3600.0
"""Seconds a finished export waits for its download before it is deleted."""
RUNNING_AT_MOST = 2
"""Exports running at once in this process; one more is refused until one ends."""
FORMATS = {"jsonl": "events.jsonl", "csv": "events.csv", "bagit": "bag.tar"}
"""Each format and the name of the file its download sends."""
log = logging.getLogger("agent_records.web.exports")


class ExportRefused(Exception):
    """The export cannot start now (too many running): why, for the form."""


@dataclass
class Job:
    """One export: who asked, what, where it is written, and how far it got."""

    id: str
    owner: str
    format: str
    selection: Selection
    personal: bool
    folder: Path
    started: float
    written: int = 0
    position: int = 0
    head_position: int = 0
    log_events: int = 0
    done: bool = False
    error: str | None = None
    finished: float | None = None
    file: Path | None = None

    @property
    def running(self) -> bool:
        return not self.done and self.error is None

    def on_disk(self) -> int:
        """Bytes written so far (every file in the job's folder)."""
        if self.file is not None and self.file.exists():
            return self.file.stat().st_size
        try:
            return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())
        except OSError:  # a file renamed while walking: the next refresh counts it
            return 0

    def watch(self, summary: Summary) -> None:
        """The writer's report (``archive.export.Watch``)."""
        self.written, self.head_position = summary.count, summary.head.position
        self.log_events = summary.head.count
        self.position = summary.last_position or 0


def _tar(bag: Path, out: Path) -> None:
    """The bag as one uncompressed tar file, the bag's folder at its root."""
    with tarfile.open(out, "w") as archive:
        archive.add(bag, arcname=bag.name)


def write(services: Services, job: Job) -> Path:
    """Writes ``job``'s export into its folder; returns the file to download."""
    app = services.records
    services.project()  # the views and the ledger up to the head, as /export.jsonl does
    if job.format == "bagit":
        bag = job.folder / "agent-records-bag"
        write_bag(app, bag, job.selection, job.personal, watch=job.watch)
        out = job.folder / FORMATS["bagit"]
        _tar(bag, out)
        shutil.rmtree(bag)
        return out
    out = job.folder / FORMATS[job.format]
    writer = write_jsonl if job.format == "jsonl" else write_csv
    writer(app, out, job.selection, job.personal, watch=job.watch)
    return out


class Exports:
    """This process's export jobs, by id; thread-safe."""

    def __init__(self, root: Callable[[], Path], clock: Callable[[], float] = time.time
                 ) -> None:
        self.root, self.clock = root, clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, services: Services, owner: str, format: str, selection: Selection,
              personal: bool) -> Job:
        """A new job, already running in its thread; ``ExportRefused`` if too many run."""
        self.sweep()
        with self._lock:
            if sum(j.running for j in self._jobs.values()) >= RUNNING_AT_MOST:
                raise ExportRefused(f"{RUNNING_AT_MOST} exports are already being made: "
                                    "try again when one has finished")
            job_id = secrets.token_urlsafe(16)
            folder = self.root() / "web-exports" / job_id
            folder.mkdir(parents=True)
            job = Job(job_id, owner, format, selection, personal, folder, self.clock())
            self._jobs[job_id] = job
        threading.Thread(target=self._run, args=(services, job), name=f"export-{job_id[:6]}",
                         daemon=True).start()
        return job

    def _run(self, services: Services, job: Job) -> None:
        """Writes the export; the job says done (or why not) only once its folder holds
        the file (or nothing: a failed export's folder is deleted first)."""
        file, error = None, None
        try:
            file = write(services, job)
        except (ExportError, InfrastructureError) as exc:
            error = str(exc)
        except Exception:
            log.exception("web export %s failed", job.id)
            error = f"the export failed; the service's log has the details (job {job.id})"
        if error:
            shutil.rmtree(job.folder, ignore_errors=True)
        job.file, job.error = file, error
        job.done = error is None
        job.finished = self.clock()

    def get(self, job_id: str, owner: str) -> Job | None:
        """The job ``job_id`` of ``owner``; None for anyone else's, or an expired one."""
        self.sweep()
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def take(self, job_id: str, owner: str) -> Job | None:
        """The finished job ``job_id`` of ``owner``, forgotten at once: its file is
        downloaded once (then ``delivered`` deletes it); None if there is no such job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.owner != owner or not job.done or job.file is None:
                return None
            return self._jobs.pop(job_id)

    def delivered(self, job: Job) -> None:
        """The file was sent (or the download broke off): its folder is deleted."""
        shutil.rmtree(job.folder, ignore_errors=True)

    def sweep(self) -> None:
        """Forgets jobs finished more than ``EXPIRY`` ago and deletes their folders, and
        folders older than that no job of this process knows (left by a stopped one)."""
        now = self.clock()
        with self._lock:
            old = [j for j in self._jobs.values()
                   if j.finished is not None and now - j.finished > EXPIRY]
            for job in old:
                del self._jobs[job.id]
            known = {j.folder for j in self._jobs.values()}
        for job in old:
            shutil.rmtree(job.folder, ignore_errors=True)
        parent = self.root() / "web-exports"
        if parent.is_dir():
            for folder in parent.iterdir():
                if folder not in known and time.time() - folder.stat().st_mtime > EXPIRY:
                    shutil.rmtree(folder, ignore_errors=True)
