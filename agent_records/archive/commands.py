"""The ``export`` and ``import`` subcommands, added to ``agent-records`` by ``cli.parser``.

Kept here so that the archive's options live beside the archive's code; the main CLI
only registers them and passes its progress bar.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

from agent_records.application import AgentRecords
from agent_records.archive.bag import write_bag
from agent_records.archive.export import Progress, Summary, write_csv, write_jsonl
from agent_records.archive.importer import import_export
from agent_records.archive.records import Selection

Bar = Callable[[str], Progress]
WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "bagit": write_bag}


def selection(args: argparse.Namespace) -> Selection:
    return Selection(agent=args.agent, post=args.post, effective_from=args.effective_from,
                     effective_to=args.effective_to, recorded_from=args.recorded_from,
                     recorded_to=args.recorded_to, since_position=args.since_position)


def report(summary: Summary) -> str:
    personal = ("personal data included" if summary.personal_data else
                f"personal data withheld in {summary.redacted_lines} events")
    return (f"exported {summary.count} events (positions {summary.position_range}) in "
            f"{summary.seconds:.1f}s, {summary.rate:,.0f} events/s; {personal}\n"
            f"log head: position {summary.head.position}, hash {summary.head.hash}\n"
            f"written: {', '.join(str(p) for p in summary.files)}")


def cmd_export(app: AgentRecords, args: argparse.Namespace, bar: Bar) -> int:
    """Exports the sealed log (or a selection of it) as JSONL, CSV or a BagIt bag."""
    summary = WRITERS[args.format](app, args.out, selection(args), args.include_personal_data,
                                   bar("export"))
    print(file=sys.stderr)
    print(report(summary))
    return 0


def cmd_import(app: AgentRecords, args: argparse.Namespace, bar: Bar) -> int:
    """Loads a complete export (JSONL or bag) into an empty store, checking the chain."""
    done = import_export(app, args.path, bar("import"))
    print(file=sys.stderr)
    vouched = f"; signed checkpoint {done.checkpoint} matches" if done.checkpoint else ""
    print(f"imported {done.count} events (positions {done.first_position}-"
          f"{done.last_position}) in {done.seconds:.1f}s, {done.rate:,.0f} events/s{vouched}\n"
          f"head hash {done.head_hash}, identical to the export's\n"
          "next: `agent-records projections run` (or `serve`) builds the read models")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], bar: Bar) -> None:
    """Registers ``export`` and ``import`` on the main parser's subcommands."""
    exp = sub.add_parser("export", help="export the sealed log: JSON Lines, CSV or BagIt")
    exp.add_argument("--format", choices=sorted(WRITERS), required=True)
    exp.add_argument("--out", type=Path, required=True,
                     help="file (jsonl, csv) or new folder (bagit)")
    exp.add_argument("--agent", metavar="ID", help="only this agent's events")
    exp.add_argument("--post", metavar="CODE",
                     help="only events of this post or naming it (and their corrections)")
    exp.add_argument("--effective-from", type=date.fromisoformat, metavar="DATE")
    exp.add_argument("--effective-to", type=date.fromisoformat, metavar="DATE")
    exp.add_argument("--recorded-from", type=datetime.fromisoformat, metavar="INSTANT",
                     help="ISO 8601; without an offset, UTC")
    exp.add_argument("--recorded-to", type=datetime.fromisoformat, metavar="INSTANT")
    exp.add_argument("--since-position", type=int, default=0, metavar="N",
                     help="only events after position N (resume after a previous export)")
    exp.add_argument("--include-personal-data", action="store_true",
                     help="include medical, marriage and disciplinary data (withheld by "
                          "default)")
    exp.set_defaults(run=partial(cmd_export, bar=bar))
    imp = sub.add_parser("import", help="load a complete export into an empty store")
    imp.add_argument("path", type=Path, help="events.jsonl or a bag folder")
    imp.set_defaults(run=partial(cmd_import, bar=bar))
