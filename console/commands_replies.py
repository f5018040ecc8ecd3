"""Reply commands: the whole path from draft to sent is scriptable."""

from __future__ import annotations

import argparse

from console.context import AppContext
from console.output import age, clip, print_json, print_table
from services import replies, review
from services.users import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reply", help="draft, submit, review and list replies")
    rsub = p.add_subparsers(dest="reply_command", required=True)
    d = rsub.add_parser("draft", help="write (or rewrite) your draft reply to an item")
    d.add_argument("item", type=int)
    d.add_argument("text")
    d.set_defaults(run=cmd_draft)
    s = rsub.add_parser(
        "submit", help="submit your draft: to review, or approved if you are a supervisor"
    )
    s.add_argument("reply", type=int)
    s.set_defaults(run=cmd_submit)
    a = rsub.add_parser("approve", help="approve someone else's reply (supervisors)")
    a.add_argument("reply", type=int)
    a.add_argument("--text", help="the edited text to approve instead")
    a.set_defaults(run=cmd_approve)
    r = rsub.add_parser("return", help="send a reply back to its author with a reason")
    r.add_argument("reply", type=int)
    r.add_argument("--reason", required=True)
    r.set_defaults(run=cmd_return)
    ls = rsub.add_parser("list", help="replies, newest first")
    ls.add_argument("--state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_list)


def cmd_draft(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    draft = replies.save_draft(ctx.factory, actor, args.item, args.text)
    print(f"draft #{draft.reply_id} saved")
    return 0


def cmd_submit(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    replies.submit(ctx.factory, actor, args.reply)
    print(f"reply #{args.reply} submitted")
    return 0


def cmd_approve(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    review.approve(ctx.factory, actor, args.reply, args.text)
    print(f"reply #{args.reply} approved: it goes out with the next sync")
    return 0


def cmd_return(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    review.return_reply(ctx.factory, actor, args.reply, args.reason)
    print(f"reply #{args.reply} returned to its author")
    return 0


def cmd_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    rows = review.list_replies(ctx.factory, args.state)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["ID", "ITEM", "AUTHOR", "STATE", "AGE", "TEXT"],
        [
            [str(r.id), str(r.item_id), r.author, r.state, age(r.updated_at), clip(r.body, 60)]
            for r in rows
        ],
    )
    return 0
