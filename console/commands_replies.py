"""Reply commands: the whole path from draft to sent is scriptable."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.workspace.actor import Actor

REPLY_ID = "the reply's number (REPLY_ID in `reply list`, not the item's)"


def _parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, purpose: str, example: str
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=purpose,
        description=purpose[:1].upper() + purpose[1:] + ".",
        epilog=f"Example: front-counter {example}",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reply", help="draft, submit, review and list replies")
    rsub = p.add_subparsers(dest="reply_command", required=True)
    d = _parser(
        rsub,
        "draft",
        "write (or rewrite) your draft reply to an ITEM; a returned reply is rewritten",
        "reply draft 42 'Thank you, we have passed this on.'",
    )
    d.add_argument("item", type=int, metavar="ITEM_ID", help="the item you answer")
    d.add_argument("text")
    d.set_defaults(run=cmd_draft)
    s = _parser(
        rsub,
        "submit",
        "submit your draft reply: to review, or approved if you are a supervisor",
        "reply submit 7",
    )
    s.add_argument("reply", type=int, metavar="REPLY_ID", help=REPLY_ID)
    s.set_defaults(run=cmd_submit)
    a = _parser(rsub, "approve", "approve someone else's reply (supervisors)", "reply approve 7")
    a.add_argument("reply", type=int, metavar="REPLY_ID", help=REPLY_ID)
    a.add_argument("--text", help="the edited text to approve instead")
    a.set_defaults(run=cmd_approve)
    r = _parser(
        rsub,
        "return",
        "send a reply back to its author with a reason",
        "reply return 7 --reason 'Give the 101 number'",
    )
    r.add_argument("reply", type=int, metavar="REPLY_ID", help=REPLY_ID)
    r.add_argument("--reason", required=True)
    r.set_defaults(run=cmd_return)
    sd = _parser(
        rsub, "send", "send approved replies now (what the sync worker does)", "reply send"
    )
    sd.set_defaults(run=cmd_send)
    rt = _parser(rsub, "retry", "put a failed reply back in the outbox", "reply retry 7")
    rt.add_argument("reply", type=int, metavar="REPLY_ID", help=REPLY_ID)
    rt.set_defaults(run=cmd_retry)
    ls = _parser(
        rsub,
        "list",
        "replies, newest first, with their REPLY_ID and ITEM_ID",
        "reply list --item 42",
    )
    ls.add_argument("--item", type=int, metavar="ITEM_ID", help="only the replies to this item")
    ls.add_argument("--state", help="draft, in_review, returned, approved, sending, sent, failed")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_list)


def register_admin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("saved-reply", help="the saved reply library (admins edit it)")
    ssub = p.add_subparsers(dest="saved_command", required=True)
    add = _parser(
        ssub,
        "add",
        "add a template; placeholders: " + ", ".join(PLACEHOLDERS),
        "saved-reply add thanks 'Thank you, {name}. {officer}'",
    )
    add.add_argument("name")
    add.add_argument("text")
    add.add_argument("--channel", help="a variant for one channel kind (e.g. bluesky, mastodon)")
    add.set_defaults(run=cmd_saved_add)
    ls = _parser(ssub, "list", "every saved reply", "saved-reply list --json")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_saved_list)
    rm = _parser(ssub, "remove", "remove a template", "saved-reply remove thanks")
    rm.add_argument("name")
    rm.set_defaults(run=cmd_saved_remove)

    p = sub.add_parser("policy", help="the review policy (admins edit it)")
    psub = p.add_subparsers(dest="policy_command", required=True)
    show = _parser(psub, "show", "who may send without review", "policy show")
    show.set_defaults(run=cmd_policy_show)
    st = _parser(
        psub, "set", "change the review policy", "policy set --always-review-tags complaint"
    )
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
    from services.answers import replies

    draft = replies.save_draft(ctx.factory, actor, args.item, args.text, registry=ctx.registry)
    if draft.state == "returned":
        print(
            f"returned reply #{draft.reply_id} rewritten: "
            f"submit it again with `reply submit {draft.reply_id}`"
        )
    else:
        print(f"draft #{draft.reply_id} saved")
    can = replies.capability(ctx.factory, args.item, registry=ctx.registry)
    if can.reason:
        print(f"note: {can.reason}")
    return 0


def cmd_submit(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import replies

    result = replies.submit(ctx.factory, actor, args.reply, registry=ctx.registry)
    print(f"reply #{result.reply_id} {result.summary}")
    return 0


def cmd_approve(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import review

    review.approve(ctx.factory, actor, args.reply, args.text, registry=ctx.registry)
    print(f"reply #{args.reply} approved: it goes out with the next sync")
    return 0


def cmd_return(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import review

    review.return_reply(ctx.factory, actor, args.reply, args.reason)
    print(f"reply #{args.reply} returned to its author")
    return 0


def cmd_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import age, clip, print_json, print_table
    from services.answers import review

    rows = review.list_replies(ctx.factory, args.state, args.item)
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["REPLY_ID", "ITEM_ID", "AUTHOR", "STATE", "AGE", "TEXT"],
        [
            [str(r.id), str(r.item_id), r.author, r.state, age(r.updated_at), clip(r.body, 60)]
            for r in rows
        ],
    )
    return 0


def cmd_send(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    from services.answers import outbox
    from services.channels.sync import SyncEngine

    engine = SyncEngine(ctx.factory, ctx.registry)
    results = outbox.send_pending(ctx.factory, engine.connector_for, registry=ctx.registry)
    for r in results:
        print(f"reply #{r.reply_id}: {r.state}" + (f" — {r.reason}" if r.reason else ""))
    if not results:
        print("nothing to send")
    return 0 if all(r.state == "sent" for r in results) else 4


def cmd_retry(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import replies

    replies.retry(ctx.factory, actor, args.reply)
    print(f"reply #{args.reply} is back in the outbox")
    return 0


def cmd_saved_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import replies

    saved = replies.add_saved_reply(
        ctx.factory, actor, args.name, args.text, args.channel, registry=ctx.registry
    )
    print(f"saved reply {saved.name!r} added")
    return 0


def cmd_saved_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import clip, print_json, print_table
    from services.answers import replies

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
    from services.answers import replies

    replies.remove_saved_reply(ctx.factory, actor, args.name)
    print(f"saved reply {args.name!r} removed")
    return 0


def cmd_policy_show(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    from services.answers import review_policy

    p = review_policy.current(ctx.factory)
    print(f"may send without review: {', '.join(p.direct_roles) or 'nobody'}")
    print(
        f"always reviewed: items tagged {', '.join(p.always_review_tags) or '(none)'}"
        + ("; escalated items" if p.review_escalated else "")
    )
    print("nobody approves their own reply (fixed)")
    print(review_policy.enforcement(ctx.factory))
    return 0


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def cmd_policy_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.answers import review_policy

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
