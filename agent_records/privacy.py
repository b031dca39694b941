"""The ``erase``, ``retention`` and ``keys`` subcommands, added to ``agent-records``.

Kept beside the retention schedule and the key table rather than in ``cli``: the main
CLI only registers them. Erasure and retention record ``PersonalDataErased`` through the
application like every command; ``keys rotate`` re-wraps the agents' keys under a new
master key and never touches an event.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date
from uuid import UUID

from agent_records.application import AgentRecords, key_table
from agent_records.domain.classification.classes import ERASABLE
from agent_records.domain.commands import ErasePersonalData
from agent_records.domain.values import Actor, Decision
from agent_records.errors import ConfigurationError
from agent_records.keys import master as masters
from agent_records.retention import apply, due, schedule

Bar = Callable[[str], Callable[[int, int], None]]


def cmd_erase(app: AgentRecords, args: argparse.Namespace) -> int:
    """Records the erasure of one class of an agent's personal data, as the operator."""
    decision = Decision(args.on or date.today(), Actor(args.actor, args.role),
                        decision_reference=args.reference, reason=args.reason)
    receipt = app.handle(ErasePersonalData(UUID(args.agent_id), decision,
                                           data_class=args.data_class,
                                           erasure_basis=args.legal_basis))
    print(f"erased {args.data_class} data of {args.agent_id}: event version "
          f"{receipt.version}; its key is destroyed, the chain is unchanged")
    return 0


def cmd_retention(app: AgentRecords, args: argparse.Namespace, bar: Bar) -> int:
    """Lists (``--dry-run``) or records (``--apply``) the erasures the schedule calls for."""
    today = args.on or date.today()
    found = list(due(app, today, schedule()))
    for item in found:
        print(f"{item.agent_id} {item.data_class:<10} due {item.due_on}: {item.why}")
    if not args.apply:
        print(f"{len(found)} erasures due on {today} (dry run: nothing recorded)")
        return 0
    count = apply(app, found, today, bar("erasures") if found else None)
    print(f"recorded {count} erasures due on {today}")
    return 0


def cmd_keys(app: AgentRecords, args: argparse.Namespace) -> int:
    """``rotate``: a new master key wraps every agent key; the old file is kept as
    ``<file>.old`` until the operator has backed up the new one."""
    keys = key_table(app)
    if keys is None:
        raise ConfigurationError("this store keeps personal data in clear: no keys")
    path = masters.master_path()
    new_path, old_path = path.with_name(path.name + ".new"), path.with_name(path.name + ".old")
    if new_path.exists() or old_path.exists():
        raise ConfigurationError(
            f"{masters.SETTING}: {new_path if new_path.exists() else old_path} exists (an "
            "earlier rotation not finished, or not cleaned up); check which file opens "
            "the store's keys, keep it as the master key, and remove the other")
    keys.master()  # the current master key opens the keys, or nothing is done
    new = masters.MasterKey.generate(path)
    masters.write(new, new_path)
    count = keys.rotate(new)  # one transaction: every key under the new master, or none
    os.replace(path, old_path)
    os.replace(new_path, path)
    print(f"re-wrapped {count} agent keys under a new master key in {path}; the old one is "
          f"kept in {old_path}: back up the new one, then delete the old one")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], bar: Bar) -> None:
    """Registers ``erase``, ``retention`` and ``keys`` on the CLI's subparsers."""
    classes = sorted(c.value for c in ERASABLE)
    erase = sub.add_parser("erase", help="erase one class of an agent's personal data")
    erase.add_argument("agent_id")
    erase.add_argument("--class", dest="data_class", required=True, choices=classes)
    erase.add_argument("--legal-basis", required=True,
                       help="what the erasure rests on (the data-protection law's article)")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--reference", default=None, help="decision reference")
    erase.add_argument("--on", type=date.fromisoformat, help="effective date (default today)")
    erase.add_argument("--actor", default="operator", help="who orders it (default operator)")
    erase.add_argument("--role", default="hr_officer", choices=["hr_officer", "council"])
    erase.set_defaults(run=cmd_erase)
    ret = sub.add_parser("retention", help="erasures the retention schedule calls for "
                         "(AGENT_RECORDS_RETENTION)")
    mode = ret.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list them, record nothing")
    mode.add_argument("--apply", action="store_true", help="record them")
    ret.add_argument("--on", type=date.fromisoformat, help="as of this day (default today)")
    ret.set_defaults(run=lambda app, args: cmd_retention(app, args, bar))
    keys = sub.add_parser("keys", help="the agents' data keys: rotate the master key")
    keys.add_argument("action", choices=["rotate"])
    keys.set_defaults(run=cmd_keys)


