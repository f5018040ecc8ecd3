"""Risk commands: the rules (list, add, remove, test), an item's flag set by hand, the guidance."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "risk",
        help="risk triage: rules, flags, guidance",
        description="Risk triage: the rules that flag items urgent or watch, and flags set by hand.",
        epilog='Example: front-counter risk rules test "he has a knife and is outside my door"',
    )
    rsub = p.add_subparsers(dest="risk_command", required=True)

    rules = rsub.add_parser(
        "rules",
        help="list, test, add or remove risk rules",
        description="The workspace's risk rules (the shipped defaults until an admin changes them).",
        epilog='Example: front-counter risk rules test "dying to know the result"',
    )
    qsub = rules.add_subparsers(dest="rules_command", required=True)
    ls = qsub.add_parser("list", help="the rules in force", description="List the rules in force.")
    ls.add_argument("--json", action="store_true", help="the full rules as JSON")
    ls.set_defaults(run=cmd_rules_list)
    test = qsub.add_parser(
        "test",
        help="which rules fire on a text, and why",
        description="Explain what the rules in force make of a text: level, rules, guards.",
        epilog='Example: front-counter risk rules test "I\'d kill for a decent bus service"',
    )
    test.add_argument("text")
    test.set_defaults(run=cmd_rules_test)
    add = qsub.add_parser(
        "add",
        help="add or replace rules from a JSON file or text (admins only)",
        description="Add rules, or replace rules of the same id, from a JSON file or JSON text: "
        'one rule object, a list of them, or a file with a "rules" list (admins only).',
        epilog="Example: front-counter risk rules add my-rule.json",
    )
    add.add_argument("source", metavar="FILE_OR_JSON")
    add.set_defaults(run=cmd_rules_add)
    rm = qsub.add_parser(
        "remove",
        help="remove a rule by id (admins only)",
        description="Remove one rule by its id (admins only).",
        epilog="Example: front-counter risk rules remove drug-dealing",
    )
    rm.add_argument("rule_id", metavar="ID")
    rm.set_defaults(run=cmd_rules_remove)

    st = rsub.add_parser(
        "set",
        help="set an item's risk level by hand (kept over the rules)",
        description="Set an item's risk level by hand: urgent, watch or none, or auto to hand it "
        "back to the rules. Lowering or clearing a flag needs --reason.",
        epilog="Example: front-counter risk set 42 none --reason 'a quote from a film review'",
    )
    st.add_argument("item", type=int, metavar="ITEM")
    st.add_argument("level", choices=["urgent", "watch", "none", "auto"])
    st.add_argument("--reason", help="why (needed to lower or clear a flag)")
    st.set_defaults(run=cmd_set)

    gd = rsub.add_parser(
        "guidance",
        help="the guidance shown on urgent items (admins set it)",
        description="Show the guidance shown on urgent items, or set it (admins only).",
        epilog="Example: front-counter risk guidance --saved-reply 'Urgent: call 999'",
    )
    gd.add_argument("--text", help="new guidance text")
    gd.add_argument("--saved-reply", help="the saved reply to offer ('' for the first 'urgent…')")
    gd.set_defaults(run=cmd_guidance)


def cmd_rules_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import clip, print_table
    from services.desk import risk_admin

    if args.json:
        print(risk_admin.rules_json(ctx.factory), end="")
        return 0
    found = risk_admin.list_rules(ctx.factory)
    source = f"revision {found.revision}" if found.revision else "the shipped defaults"
    print(f"{len(found.rules)} rules, {source} (version {found.version[:12]})")
    print_table(
        ["ID", "LEVEL", "CATEGORY", "PHRASES", "DESCRIPTION"],
        [
            [r.id, r.level.value, r.category, str(len(r.phrases)), clip(r.description, 60)]
            for r in found.rules
        ],
    )
    return 0


def cmd_rules_test(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import risk_admin

    print(risk_admin.explain_text(ctx.factory, args.text))
    return 0


def cmd_rules_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import risk_admin

    done = risk_admin.add_rules(ctx.factory, actor, risk_admin.read_source(args.source))
    parts = [f"added {', '.join(done.added)}" if done.added else ""]
    parts.append(f"replaced {', '.join(done.replaced)}" if done.replaced else "")
    print(f"risk rules revision {done.revision}: {'; '.join(p for p in parts if p)}")
    print("open items are re-classified by the sync worker")
    return 0


def cmd_rules_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import risk_admin

    done = risk_admin.remove_rule(ctx.factory, actor, args.rule_id)
    print(f"risk rules revision {done.revision}: removed {args.rule_id}")
    print("open items are re-classified by the sync worker")
    return 0


def cmd_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import risk_store

    risk_store.set_override(ctx.factory, actor, args.item, args.level, args.reason)
    what = "handed back to the rules" if args.level == "auto" else f"set to {args.level}"
    print(f"#{args.item}: risk {what}")
    return 0


def cmd_guidance(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.desk import risk_view

    if args.text is None and args.saved_reply is None:
        now = risk_view.guidance(ctx.factory)
    else:
        now = risk_view.set_guidance(ctx.factory, actor, args.text, args.saved_reply)
    print(now.text)
    print(f"saved reply offered: {now.saved_reply or 'the first whose name starts with urgent'}")
    return 0
