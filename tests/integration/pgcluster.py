"""A private, throw-away PostgreSQL cluster, to stop and start without touching the shared one.

``initdb`` and ``postgres`` refuse to run as root: the cluster lives in a temporary folder
owned by ``postgres`` and every command runs under ``runuser -u postgres``. Every call has
a bounded timeout; ``close()`` stops the server (fast, then immediate) and removes it all.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
COMMAND_TIMEOUT = 60


def unavailable_reason() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to run PostgreSQL as the postgres user"
    if not shutil.which("runuser"):
        return "runuser is not installed"
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"no PostgreSQL server binaries in {PG_BIN}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateCluster:
    """A PostgreSQL 15 cluster on a free local port, trust authentication."""

    def __init__(self, primary: PrivateCluster | None = None) -> None:
        """A new cluster (``initdb``), or a hot standby of ``primary`` (``pg_basebackup
        -R``: it streams the primary's WAL and answers reads; start it with ``start``)."""
        self.root = Path(tempfile.mkdtemp(prefix="agent-records-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        if primary is None:
            self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                      "--no-sync")
        else:
            self._run(PG_BIN / "pg_basebackup", "-D", self.data, "-R", "-X", "stream",
                      "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
                      "-c", "fast", "--no-sync")

    def standby(self) -> PrivateCluster:
        """A hot standby of this (running) cluster, started."""
        standby = PrivateCluster(self)
        try:
            standby.start()
        except BaseException:
            standby.close()
            raise
        return standby

    def promote(self) -> None:
        """Ends recovery: this standby becomes a primary (accepts writes)."""
        self._ctl("promote")

    def execute(self, statement: str) -> None:
        """Runs one statement (as postgres, autocommit): ``ALTER SYSTEM`` and the like."""
        self._run(PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres",
                  "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: object) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)],
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}"
                               f"\n{self.log_tail()}")
        return done

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run(PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "30", *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.root / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def log_tail(self) -> str:
        log = self.root / "log"
        return "\n".join(log.read_text().splitlines()[-10:]) if log.exists() else ""

    def close(self) -> None:
        """Stops the server whatever state it is in, then removes the folder."""
        try:
            for mode in ("fast", "immediate"):
                if not self.running():
                    break
                try:
                    self.stop(mode)
                except (RuntimeError, subprocess.TimeoutExpired):
                    continue
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
