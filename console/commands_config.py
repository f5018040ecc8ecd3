"""`config show`: the effective central configuration and where each setting came from."""

from __future__ import annotations

import argparse
import json

from console import config_file, settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="the central configuration IT presets")
    csub = p.add_subparsers(dest="config_command", required=True)
    show = csub.add_parser(
        "show",
        help="print the effective settings and where each came from",
        description=(
            "Print the effective settings: from the system file (IT's; a locked setting there "
            "is final), the user's file, the environment, or the default."
        ),
        epilog="Example: front-counter config show --json",
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=cmd_config_show, no_database=True)


def cmd_config_show(_ctx: object, _actor: object, args: argparse.Namespace) -> int:
    config = config_file.load()
    db = config.values["database_url"]
    if db.value is None:
        db = config_file.Value(str(settings.default_db_path()), "default (user data folder)")
    values = {**config.values, "database_url": db}
    if args.json:
        print(
            json.dumps(
                {
                    "settings": {
                        name: {
                            "value": config_file.shown(v.value) if v.value is not None else None,
                            "source": v.source,
                            "locked": v.locked,
                        }
                        for name, v in values.items()
                    },
                    "system_file": str(config.system_file),
                    "user_file": str(config.user_file),
                    "notes": list(config.notes),
                },
                indent=2,
            )
        )
        return 0
    width = max(len(name) for name in values)
    value_width = min(40, max(len(config_file.shown(v.value)) for v in values.values()))
    for name, v in values.items():
        lock = ", locked" if v.locked else ""
        value = config_file.shown(v.value)
        print(f"{name:<{width}}  {value:<{value_width}}  ({v.source}{lock})")
    print()
    for label, path in (("system file", config.system_file), ("user file", config.user_file)):
        print(f"{label}: {path}" + ("" if path.exists() else " (not present)"))
    for note in config.notes:
        print(f"note: {note}")
    return 0
