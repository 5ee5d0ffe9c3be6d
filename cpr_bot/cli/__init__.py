"""The `cpr-bot` command: run the bot, try it in a terminal, classify text, check the catalog,
and the coordinators' tools."""

from __future__ import annotations

import argparse
import sys

from . import catalog, coordinators, run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpr-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for commands in (run, catalog, coordinators):
        commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
