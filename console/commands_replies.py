"""Reply commands: the whole path from draft to sent is scriptable."""

from __future__ import annotations

import argparse

from console.context import AppContext
from console.output import age, clip, print_json, print_table
from services import outbox, replies, review, review_policy
from services.channels.protocol import default_registry
from services.sync import SyncEngine
from services.users import Actor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reply", help="draft, submit, review and list replies")
    rsub = p.add_subparsers(dest="reply_command", required=True)
    d = rsub.add_parser(
        "draft",
        help="write (or rewrite) your draft reply to an item; a returned reply is rewritten",
    )
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
    sd = rsub.add_parser("send", help="send approved replies now (what the sync worker does)")
    sd.set_defaults(run=cmd_send)
    rt = rsub.add_parser("retry", help="put a failed reply back in the outbox")
    rt.add_argument("reply", type=int)
    rt.set_defaults(run=cmd_retry)
    ls = rsub.add_parser("list", help="replies, newest first")
    ls.add_argument("--state")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_list)


def register_admin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("saved-reply", help="the saved reply library (admins edit it)")
    ssub = p.add_subparsers(dest="saved_command", required=True)
    add = ssub.add_parser("add", help="add a template; placeholders: " + ", ".join(PLACEHOLDERS))
    add.add_argument("name")
    add.add_argument("text")
    add.add_argument("--channel", help="a variant for one channel kind (e.g. bluesky, mastodon)")
    add.set_defaults(run=cmd_saved_add)
    ls = ssub.add_parser("list", help="every saved reply")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_saved_list)
    rm = ssub.add_parser("remove", help="remove a template")
    rm.add_argument("name")
    rm.set_defaults(run=cmd_saved_remove)

    p = sub.add_parser("policy", help="the review policy (admins edit it)")
    psub = p.add_subparsers(dest="policy_command", required=True)
    show = psub.add_parser("show", help="who may send without review")
    show.set_defaults(run=cmd_policy_show)
    st = psub.add_parser("set", help="change the review policy")
    st.add_argument(
        "--direct-roles", help="comma-separated roles that may send without review ('' = nobody)"
    )
    st.add_argument(
        "--always-review-tags", help="comma-separated tags whose items always need review"
    )
    st.add_argument(
        "--review-escalated", choices=["yes", "no"], help="escalated items always need review"
    )
    st.set_defaults(run=cmd_policy_set)


PLACEHOLDERS = ("{name}", "{full_name}", "{officer}", "{collar}", "{reference}", "{non_emergency}")


def cmd_draft(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    draft = replies.save_draft(ctx.factory, actor, args.item, args.text)
    if draft.state == "returned":
        print(
            f"returned reply #{draft.reply_id} rewritten: "
            f"submit it again with `reply submit {draft.reply_id}`"
        )
    else:
        print(f"draft #{draft.reply_id} saved")
    can = replies.capability(ctx.factory, args.item)
    if can.reason:
        print(f"note: {can.reason}")
    return 0


def cmd_submit(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    result = replies.submit(ctx.factory, actor, args.reply)
    print(f"reply #{result.reply_id} {result.summary}")
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


def cmd_send(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    engine = SyncEngine(ctx.factory, default_registry())
    results = outbox.send_pending(ctx.factory, engine.connector_for)
    for r in results:
        print(f"reply #{r.reply_id}: {r.state}" + (f" — {r.reason}" if r.reason else ""))
    if not results:
        print("nothing to send")
    return 0 if all(r.state == "sent" for r in results) else 4


def cmd_retry(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    replies.retry(ctx.factory, actor, args.reply)
    print(f"reply #{args.reply} is back in the outbox")
    return 0


def cmd_saved_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    saved = replies.add_saved_reply(ctx.factory, actor, args.name, args.text, args.channel)
    print(f"saved reply {saved.name!r} added")
    return 0


def cmd_saved_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    rows = replies.saved_replies(ctx.factory, every_channel=True)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["NAME", "CHANNEL", "TEXT"],
        [[r.name, r.channel_kind or "all", clip(r.body, 70)] for r in rows],
    )
    return 0


def cmd_saved_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    replies.remove_saved_reply(ctx.factory, actor, args.name)
    print(f"saved reply {args.name!r} removed")
    return 0


def cmd_policy_show(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    p = review_policy.current(ctx.factory)
    print(f"may send without review: {', '.join(p.direct_roles) or 'nobody'}")
    print(
        f"always reviewed: items tagged {', '.join(p.always_review_tags) or '(none)'}"
        + ("; escalated items" if p.review_escalated else "")
    )
    print("nobody approves their own reply (fixed)")
    return 0


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def cmd_policy_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    p = review_policy.current(ctx.factory)
    new = review_policy.ReviewPolicy(
        _csv(args.direct_roles) if args.direct_roles is not None else p.direct_roles,
        _csv(args.always_review_tags)
        if args.always_review_tags is not None
        else p.always_review_tags,
        (args.review_escalated == "yes") if args.review_escalated else p.review_escalated,
    )
    review_policy.set_policy(ctx.factory, actor, new)
    return cmd_policy_show(ctx, actor, args)
