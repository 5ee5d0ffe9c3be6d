"""Coordinators' catalog commands: check it, export and import Open Referral HSDS, and show
how the bot reads messages."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import yaml

from ..errors import DataError
from .context import settings


def cmd_match(args) -> int:
    """Print the intent and language of each message as JSON."""
    from ..wiring import load_understander

    understander = load_understander(settings(env="development"))

    def show(text: str) -> str:
        result = understander.understand(text).to_dict()
        if args.json:
            return json.dumps(result, ensure_ascii=False)
        return f"{result['intent']}\t{result['lang']}\t{','.join(result['needs'])}"

    if args.text == ["-"]:
        out = sys.stdout
        for line in sys.stdin:
            out.write(show(line.rstrip("\n")) + "\n")
        out.flush()
    else:
        print(show(" ".join(args.text)))
    return 0


def cmd_catalog_check(args) -> int:
    """Check the catalog; print every problem as entry, field, what is wrong."""
    from ..catalog.places import Gazetteer
    from ..catalog.resources import load_catalog
    from ..errors import CatalogError

    config = settings(env="development")
    path = args.file or config.catalog_path
    try:
        catalog = load_catalog(path, Gazetteer(config.places_path))
    except CatalogError as exc:
        for entry, field, what in exc.problems:
            print(f"{entry}: {field}: {what}")
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    stale = 0
    if args.stale is not None:
        limit = dt.date.today() - dt.timedelta(days=args.stale)
        for organization in catalog.organizations.values():
            if organization.last_verified < limit:
                stale += 1
                print(f"{organization.id}: last_verified: {organization.last_verified} "
                      f"(over {args.stale} days ago)")
    print(f"{path}: {len(catalog.organizations)} organizations, {len(catalog.services)} "
          f"services, {len(catalog.guides)} guides, OK"
          + (f"; {stale} not verified in {args.stale} days" if args.stale is not None else ""))
    return 0


def cmd_catalog_export(args) -> int:
    """Write the catalog as Open Referral HSDS 3.0 JSON tables."""
    from ..catalog.hsds_export import export_hsds

    data = yaml.safe_load(settings(env="development").catalog_path.read_text(encoding="utf-8"))
    try:
        counts = export_hsds(data, Path(args.hsds))
    except DataError as exc:
        sys.exit(f"cpr-bot: {exc}")
    print(", ".join(f"{table}: {count}" for table, count in counts.items()))
    return 0


def cmd_catalog_import(args) -> int:
    """Read HSDS 3.0 JSON tables (ours or a 211 export) into our catalog format."""
    from ..catalog.hsds_import import import_hsds

    data = import_hsds(Path(args.hsds), source=args.source)
    report = data.pop("import_report", {})
    Path(args.out).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                              encoding="utf-8")
    for key, value in report.items():
        print(f"{key}: {value if not isinstance(value, list) else len(value)}")
    print(f"wrote {args.out}; run `cpr-bot catalog check --file {args.out}` before using it")
    return 0


def register(sub) -> None:
    """Add these commands to the cpr-bot parser."""
    match = sub.add_parser("match", help="classify messages (use - to read lines from stdin)")
    match.add_argument("--json", action="store_true", help="print one JSON object per message")
    match.add_argument("text", nargs="+")
    match.set_defaults(func=cmd_match)

    catalog = sub.add_parser("catalog", help="coordinator tools for data/resources.yaml")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    check = catalog_sub.add_parser("check", help="check the catalog and list every problem")
    check.add_argument("--file", help="a catalog file other than the configured one")
    check.add_argument("--stale", type=int, metavar="DAYS",
                       help="also list entries not verified for this many days")
    check.set_defaults(func=cmd_catalog_check)
    export = catalog_sub.add_parser("export", help="write the catalog as HSDS 3.0 JSON")
    export.add_argument("--hsds", required=True, metavar="DIR", help="folder to write into")
    export.set_defaults(func=cmd_catalog_export)
    importer = catalog_sub.add_parser("import", help="read HSDS 3.0 JSON into our format")
    importer.add_argument("--hsds", required=True, metavar="DIR", help="folder to read")
    importer.add_argument("--out", required=True, help="catalog YAML file to write")
    importer.add_argument("--source", help="URL to record as each entry's source")
    importer.set_defaults(func=cmd_catalog_import)
