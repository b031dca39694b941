"""``agent-records``: the command line. Thin: parse, call the application, print.

Errors the user can act on, of either family (a refusal: a rule, bad input, an unknown
record; infrastructure: a store that cannot be reached, a bad setting or argument), are
printed as one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from uuid import UUID

from agent_records import logs
from agent_records.application import AgentRecords
from agent_records.bootstrap import open_records
from agent_records.config import hand_store_to_workers, parse_store, settings, store_url
from agent_records.demo import load_demo
from agent_records.domain.classification import DataClass, Role, for_role, reads, redacted
from agent_records.domain.errors import DomainError
from agent_records.domain.events import CareerEvent, EventCorrected
from agent_records.domain.state import CareerState
from agent_records.errors import ConfigurationError, InfrastructureError
from agent_records.readside import VIEWS, named
from agent_records.replica.router import ReadRouter
from agent_records.replica.standby import open_standby
from projections.engine.base import ProjectionStopped
from projections.engine.runner import Worker

log = logging.getLogger("agent_records.cli")


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} careers",
          end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_demo(app: AgentRecords, args: argparse.Namespace) -> int:
    """Records the demo careers unless the store already holds events."""
    if app.recorder.max_notification_id():
        print(f"the store already holds events: demo not loaded again ({app.settings.display})")
        return 0
    ids = load_demo(app, args.agents, progress=_progress)
    print(f"recorded {len(ids) + 4} people, {app.recorder.max_notification_id()} events "
          f"in {app.settings.display}")
    if ids:
        print(f"try: agent-records show {ids[0]}")
    return 0


def describe(state: CareerState, day: date | None = None, role: str = Role.COUNCIL) -> str:
    """A short human summary of a state, as ``role`` may read it (the number of breaches
    is disciplinary data)."""
    where = state.position_on(day) if day else state.position
    post = f" at {where.post_code or where.organisation or where.kind}" if where else ""
    status = state.status_on(day) if day else state.status
    breaches = f", breaches {len(state.breaches)}" if reads(role, DataClass.DISCIPLINE) else ""
    return (f"{state.full_name}: {state.grade or state.category} ({status}){post}; "
            f"renewals {state.renewals}{breaches}")


def line(event: CareerEvent, role: str = Role.COUNCIL, corrected: type | None = None) -> str:
    """One event as a line of the history, each value ``role`` may not read withheld."""
    shown, _ = redacted(type(event), event.payload(), for_role(role),
                        lambda classes: f"[withheld: {', '.join(sorted(classes))}]", corrected)
    payload = ", ".join(f"{k}={v}" for k, v in shown.items())
    ref = f" [{event.decision_reference}]" if event.decision_reference else ""
    return (f"{event.originator_version:>3} {event.effective_date} {type(event).__name__:<32}"
            f" {event.legal_basis:<9}{ref} by {event.actor_id}/{event.actor_role} "
            f"at {event.timestamp:%Y-%m-%d %H:%M:%S} {payload}")


def cmd_show(app: AgentRecords, args: argparse.Namespace) -> int:
    """Prints an agent's history and state, optionally on a date or as known at an instant,
    as the role of ``--role`` may read them (default: the auditor's view, no personal
    data; the operator names a role to see more, e.g. ``--role council``)."""
    agent_id = UUID(args.agent_id)
    agent = app.agent_known_at(agent_id, args.known_at) if args.known_at else app.get_agent(
        agent_id)
    types = {e.originator_version: type(e) for e in agent.events}
    for event in agent.events:
        corrected = types.get(event.corrected_version) if isinstance(
            event, EventCorrected) else None
        print(line(event, args.role, corrected))
    state = agent.state_on(args.on) if args.on else agent.state
    print(describe(state, args.on, args.role))
    return 0


def _bar(label: str) -> Callable[[int, int], None]:
    """A progress bar with events/s and ETA, on stderr."""
    started = time.monotonic()

    def show(position: int, head: int) -> None:
        rate = position / max(time.monotonic() - started, 1e-6)
        eta = (head - position) / rate if rate else 0.0
        filled = 30 * position // max(head, 1)
        print(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {position}/{head} "
              f"{rate:,.0f} events/s ETA {eta:,.0f}s", end="", file=sys.stderr, flush=True)

    return show


def standby_line(worker: Worker, url: str) -> str:
    """The standby of ``AGENT_RECORDS_READ_STORE``: its state, replay lag, lowest view."""
    def standby() -> Worker:
        return open_standby(url, settings().clock())[1]

    current = settings()
    router = ReadRouter(worker, standby, lambda w: w.store,
                        [v.tracking_name for v in worker.views], url=parse_store(url).display,
                        wait=current.read_wait, max_lag=current.read_max_lag)
    s = router.status()
    lag = (f"replay {s.lag_seconds:.1f} s, {s.lag_bytes} bytes behind, views at "
           f"{min(s.positions.values(), default=0)}" if s.lag_seconds is not None
           else s.reason)
    if router.standby is not None:
        router.standby.app.close()
    return f"standby {s.url}: {s.state} ({lag})"


def cmd_projections(app: AgentRecords, args: argparse.Namespace) -> int:
    """``projections run|status|rebuild [NAME]``."""
    names = [args.name] if getattr(args, "name", None) else None
    if names and names[0] not in VIEWS:
        raise ConfigurationError(f"unknown projection {names[0]!r}; one of {', '.join(VIEWS)}")
    worker = Worker(app, named(names), today=settings().clock())
    if args.action == "status":
        print(f"{'projection':<12} {'position':>10} {'head':>10} {'lag':>8}")
        for st in worker.status():
            print(f"{st.name:<12} {st.position:>10} {st.head:>10} {st.lag:>8}")
        if url := settings().read_store:
            print(standby_line(worker, url))
        return 0
    if args.action == "rebuild":  # every rebuildable view (or NAME) in one pass
        label = names[0] if names else "all views"
        try:
            count = worker.rebuild_all(_bar(label), names)
        except ProjectionStopped:
            print(file=sys.stderr)  # ends the progress bar's line: the stop is a line alone
            raise
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in worker.rebuilt.phases.items()
                           ) if worker.rebuilt else ""
        print(f"\n{label}: rebuilt from {count} events and swapped in ({phases})",
              file=sys.stderr)
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("following %s; SIGTERM stops", app.settings.display)
    worker.follow(stop, on_batch=lambda n: log.info("applied %s events", n))
    held = [worker.stopped[v.name].error for v in worker.views if v.name in worker.stopped]
    if held:  # each stop was logged when it happened; the exit status tells a supervisor
        raise stopped_line(worker, held[0])
    log.info("stopped cleanly")
    return 0


def stopped_line(worker: Worker, exc: ProjectionStopped) -> ProjectionStopped:
    """The first stop, naming the other stopped views too: one line for all of them."""
    others = [name for name in worker.stopped if name != exc.name]
    if not others:
        return exc
    return ProjectionStopped(exc.name, exc.position,
                             f"{exc.reason} (also stopped: {', '.join(others)})", exc.event_type)


def cmd_serve(app: AgentRecords, args: argparse.Namespace) -> int:
    """Runs the HTTP service with uvicorn; ``--demo`` loads demo careers into an empty store.

    ``--workers N`` runs N server processes on one port (one Python process uses one
    core); they share nothing but the database, so the read models must be kept by a
    separate ``agent-records projections run`` (``AGENT_RECORDS_PROJECTIONS=external``):
    inline projection from several processes at once would race on the same positions.
    """
    import uvicorn

    from agent_records.api.auth import ensure_demo_tokens, tokens_path
    from agent_records.api.http import HTTP_PROTOCOL
    from agent_records.api.services import ServiceSettings
    from agent_records.web.app import create_app

    settings = ServiceSettings.from_env(args.store)
    if args.workers < 1:
        raise ConfigurationError("--workers: expected 1 or more")
    if args.workers > 1 and settings.inline_projections:
        raise ConfigurationError("--workers > 1 needs AGENT_RECORDS_PROJECTIONS=external and "
                                 "an `agent-records projections run` worker")
    if args.demo and not app.recorder.max_notification_id():
        print("loading demo careers (first start)...", file=sys.stderr)
        load_demo(app, args.agents, progress=_progress)
    if args.demo:
        tokens = ensure_demo_tokens()
        print("demo bearer tokens (from data/, never committed):")
        for token_id, token in tokens.items():
            print(f"  {token_id:<18} {token}")
    elif not tokens_path().exists():
        raise ConfigurationError(f"no token file at {tokens_path()}: set AGENT_RECORDS_TOKENS "
                                 "or run with --demo")
    app.close()
    base = f"http://{args.host}:{args.port}"
    banner = (f"GraphiQL: {base}/graphql  web pages: {base}/web/  "
              f"(store {app.settings.display})")
    if logs.json_logging():
        log.info("%s", banner)
    else:
        print(banner, flush=True)
    log_config = logs.dict_config(args.log_format)
    if args.workers == 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning",
                    http=HTTP_PROTOCOL, log_config=log_config)
        return 0
    # worker processes import the app by name and read the store from the environment
    hand_store_to_workers(app.settings.url)
    uvicorn.run("agent_records.web.app:create_app", factory=True, workers=args.workers,
                host=args.host, port=args.port, log_level="warning", http=HTTP_PROTOCOL,
                log_config=log_config)
    return 0


def cmd_verify(app: AgentRecords, args: argparse.Namespace) -> int:
    """Seals what is new, recomputes the chain and checks every signed checkpoint."""
    from agent_records.integrity.sealer import Sealer
    from agent_records.integrity.service import (
        publication,
        seal,
        unknown_identity,
        verifier,
    )
    from agent_records.integrity.verify import verify

    if not args.no_seal:
        seal(app)
    store = Worker(app, [Sealer]).store
    published = publication(app, store)
    notes = [note for _, note in published.notes()]
    result = verify(store, verifier(), args.from_position, _bar("verify"), notes)
    print(file=sys.stderr)
    suspect = None if notes else unknown_identity(app, published)
    if suspect:
        print(f"BROKEN: {suspect}")
        return 1
    if not notes:
        print(f"warning: no published checkpoint for store {published.store_id} (key "
              f"{published.key_fingerprint}) in {published.folder}: a rewrite of the whole "
              "log would go unnoticed; run `agent-records checkpoint` and keep a copy of "
              "that folder off this system", file=sys.stderr)
    for _, ok, message in result.checkpoints:
        print(("  ok  " if ok else "  FAIL ") + message)
    if result.broken_at is not None:
        print(f"BROKEN at position {result.broken_at}: {result.problem}")
        return 1
    if not result.ok:
        print("BROKEN: a signed checkpoint does not match the log")
        return 1
    print(f"OK: {result.count} events, head position {result.head_position}, "
          f"head hash {result.head_hash}; {result.unsealed} not sealed yet")
    return 0


def cmd_checkpoint(app: AgentRecords, args: argparse.Namespace) -> int:
    """Signs the head; prints the note (also written under data/checkpoints/)."""
    from agent_records.integrity.service import create_checkpoint, publish_dir

    print(create_checkpoint(app), end="")
    print(f"(published copy and verifier key in {publish_dir(app)})", file=sys.stderr)
    return 0


def cmd_prove(app: AgentRecords, args: argparse.Namespace) -> int:
    """Inclusion proof of one event, or consistency proof between two checkpoints."""
    from agent_records.integrity.service import prove_consistency, prove_inclusion

    if args.consistency:
        old, new = args.consistency
        print(json.dumps({"old": old, "new": new,
                          "proof": prove_consistency(app, old, new)}, indent=2))
        return 0
    if args.position is None:
        raise ConfigurationError("prove needs POSITION or --consistency OLD NEW")
    print(json.dumps(dataclasses.asdict(prove_inclusion(app, args.position)), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="agent-records", description=__doc__.splitlines()[0])
    top.add_argument("--store", default=None, help="store URL (default: $AGENT_RECORDS_STORE "
                     f"or {store_url()})")
    sub = top.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="record deterministic demo careers")
    demo.add_argument("--agents", type=int, default=24, help="number of careers (default 24)")
    demo.set_defaults(run=cmd_demo)
    show = sub.add_parser("show", help="print an agent's history and state")
    show.add_argument("agent_id")
    show.add_argument("--on", type=date.fromisoformat, help="state in force on this date")
    show.add_argument("--known-at", type=datetime.fromisoformat,
                      help="the record as it stood at this instant (ISO, with timezone)")
    show.add_argument("--role", choices=[r.value for r in Role], default=Role.AUDITOR.value,
                      help="show what this role may read (default auditor: no personal "
                           "data; see README, Personal data)")
    show.set_defaults(run=cmd_show)
    serve = sub.add_parser("serve", help="run the GraphQL service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true",
                       help="load demo careers into an empty store and print demo tokens")
    serve.add_argument("--agents", type=int, default=24, help="demo careers (default 24)")
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes (default 1; more than 1 needs "
                            "AGENT_RECORDS_PROJECTIONS=external)")
    serve.add_argument("--log-format", choices=logs.FORMATS, default="text",
                       help="log lines as text (default) or one JSON object per line")
    serve.set_defaults(run=cmd_serve)
    ver = sub.add_parser("verify", help="recompute the hash chain and check the checkpoints")
    ver.add_argument("--from", dest="from_position", type=int, default=0, metavar="POSITION")
    ver.add_argument("--no-seal", action="store_true", help="do not seal new events first")
    ver.set_defaults(run=cmd_verify)
    cp = sub.add_parser("checkpoint", help="sign the head of the log (Ed25519 signed note)")
    cp.set_defaults(run=cmd_checkpoint)
    prove = sub.add_parser("prove", help="inclusion or consistency proof (RFC 6962)")
    prove.add_argument("position", type=int, nargs="?")
    prove.add_argument("--consistency", type=int, nargs=2, metavar=("OLD", "NEW"))
    prove.set_defaults(run=cmd_prove)
    proj = sub.add_parser("projections", help="run, inspect or rebuild the read models")
    proj.add_argument("action", choices=["run", "status", "rebuild"])
    proj.add_argument("name", nargs="?", help=f"one of: {', '.join(VIEWS)} (default all)")
    proj.add_argument("--log-format", choices=logs.FORMATS, default="text",
                      help="log lines as text (default) or one JSON object per line")
    proj.set_defaults(run=cmd_projections)
    from agent_records.archive.commands import add_commands

    add_commands(sub, _bar)  # export, import
    from agent_records.privacy import add_commands as add_privacy

    add_privacy(sub, _bar)  # erase, retention, keys
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run: Callable[[AgentRecords, argparse.Namespace], int] = args.run
    if getattr(args, "log_format", None):
        logs.configure(args.log_format)
    try:
        app = open_records(args.store)
        try:
            return run(app, args)
        finally:
            app.close()
    except (DomainError, InfrastructureError, ProjectionStopped, ValueError) as exc:
        if logs.json_logging():
            log.error("%s", exc)
        else:
            print(f"agent-records: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
