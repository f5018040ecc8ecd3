"""Records commands: evidence bundles, subject access and erasure, legal holds, retention, audit anchors."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.context import AppContext
    from services.records.evidence import PdfRenderer
    from services.workspace.actor import Actor

    Sub = argparse._SubParsersAction[argparse.ArgumentParser]
SUBJECTS = ("item", "thread", "contact")
RISK_LEVELS = ("urgent", "watch")


def register(sub: Sub) -> None:
    _register_export(sub)
    p = sub.add_parser("forget", help="erase a member of the public (except held items)")
    fsub = p.add_subparsers(dest="forget_command", required=True)
    fp = fsub.add_parser("person", help="erase everything from one person, leaving tombstones")
    fp.add_argument("contact", type=int, help="contact id (their other platforms follow)")
    fp.add_argument("--also", type=int, action="append", default=[], help="another contact id")
    fp.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    fp.set_defaults(run=cmd_forget_person)

    p = sub.add_parser("welfare", help="how distressing items are shown to you")
    wsub = p.add_subparsers(dest="welfare_command", required=True)
    ar = wsub.add_parser("always-reveal", help="see distressing items without the veil (or not)")
    ar.add_argument("choice", choices=("on", "off"))
    ar.set_defaults(run=cmd_welfare_always_reveal)

    p = sub.add_parser("hold", help="legal holds: keep an item, thread or contact whole")
    hsub = p.add_subparsers(dest="hold_command", required=True)
    for verb, helps in (("add", "place a legal hold"), ("remove", "lift a legal hold")):
        h = hsub.add_parser(verb, help=helps)
        h.add_argument("subject", choices=SUBJECTS)
        h.add_argument("id", type=int)
        h.add_argument("--reason", required=True)
        h.set_defaults(run=cmd_hold_add if verb == "add" else cmd_hold_remove)
    hl = hsub.add_parser("list", help="list legal holds")
    hl.add_argument("--all", action="store_true", help="lifted ones too")
    hl.set_defaults(run=cmd_hold_list)

    p = sub.add_parser("retention", help="how long content is kept, and the run that erases it")
    rsub = p.add_subparsers(dest="retention_command", required=True)
    rs = rsub.add_parser("set", help="keep a class of items this many days (admins)")
    rs.add_argument("--class", dest="klass", required=True, help=_CLASS_HELP)
    rs.add_argument("--days", type=int, required=True)
    rs.set_defaults(run=cmd_retention_set)
    rr = rsub.add_parser("remove", help="remove a retention class (admins)")
    rr.add_argument("--class", dest="klass", required=True, help=_CLASS_HELP)
    rr.set_defaults(run=cmd_retention_remove)
    rsub.add_parser("list", help="the retention classes in force").set_defaults(
        run=cmd_retention_list
    )
    run = rsub.add_parser("run", help="erase content past its time (held items are kept)")
    run.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    run.set_defaults(run=cmd_retention_run)


_CLASS_HELP = (
    "a status (spam, done, …), a risk level (urgent, watch), or tag:NAME, channel:NAME, "
    "status:NAME, risk:LEVEL"
)


def _register_export(sub: Sub) -> None:
    p = sub.add_parser("export", help="evidence bundles and subject access exports")
    esub = p.add_subparsers(dest="export_command", required=True)
    ev = esub.add_parser("evidence", help="write an evidence bundle (a folder and a zip)")
    which = ev.add_mutually_exclusive_group(required=True)
    which.add_argument("item", type=int, nargs="?", help="one item")
    which.add_argument("--thread", type=int, metavar="ITEM", help="the whole thread of this item")
    which.add_argument("--contact", type=int, metavar="ID", help="every item from this contact")
    ev.add_argument("--out", type=Path, required=True, help="folder to write the bundle into")
    ev.add_argument("--reason", required=True, help="why (recorded in the bundle and the audit)")
    ev.add_argument("--no-pdf", action="store_true", help="HTML and text only (no Qt needed)")
    ev.set_defaults(run=cmd_export_evidence)
    ver = esub.add_parser("verify", help="re-check a bundle's files and audit events")
    ver.add_argument("bundle", type=Path, help="the bundle's folder (or its zip)")
    ver.set_defaults(run=cmd_export_verify, no_actor=True)
    pe = esub.add_parser("person", help="everything held about one person (subject access)")
    pe.add_argument("contact", type=int, help="contact id (their other platforms follow)")
    pe.add_argument("--also", type=int, action="append", default=[], help="another contact id")
    pe.add_argument("--out", type=Path, required=True)
    pe.add_argument("--reason", required=True, help="the request's reference")
    pe.add_argument("--no-pdf", action="store_true")
    pe.set_defaults(run=cmd_export_person)


def register_audit(asub: Sub, verify: argparse.ArgumentParser) -> None:
    """`audit anchor`, `audit anchor-schedule` and `audit verify --anchor` (the audit command's own module calls this)."""
    verify.add_argument("--anchor", type=Path, help="also check the chain against this anchor file")
    an = asub.add_parser(
        "anchor",
        help="append the chain's head to a file kept outside the database",
        epilog="Example: front-counter audit anchor --out /mnt/anchors/front-counter.jsonl",
    )
    an.add_argument("--out", type=Path, required=True)
    an.add_argument("--sign", action="store_true", help="sign with a key kept in the OS keyring")
    an.set_defaults(run=cmd_audit_anchor)
    sch = asub.add_parser(
        "anchor-schedule",
        help="have the worker anchor the chain daily into a folder (admins)",
        epilog="Example: front-counter audit anchor-schedule --folder /mnt/anchors --sign",
    )
    sch.add_argument("--folder", type=Path, required=True)
    sch.add_argument("--sign", action="store_true")
    sch.set_defaults(run=cmd_anchor_schedule)


# ---- PDF ---------------------------------------------------------------------------


def _pdf_renderer(wanted: bool) -> PdfRenderer | None:
    """Qt draws the PDF, offscreen, as for the weekly report; without Qt the bundle has no PDF."""
    if not wanted:
        return None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from ui.evidence_render import write_pdf_offscreen
    except ImportError as exc:
        print(f"note: no PDF in this bundle: Qt cannot be loaded here ({exc})", file=sys.stderr)
        return None
    return write_pdf_offscreen


# ---- export ------------------------------------------------------------------------


def cmd_export_evidence(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records.evidence import Scope, export_evidence

    if args.thread is not None:
        scope = Scope("thread", args.thread)
    elif args.contact is not None:
        scope = Scope("contact", args.contact)
    else:
        scope = Scope("item", args.item)
    bundle = export_evidence(
        ctx.factory, actor, scope, args.out, args.reason, ctx.tz, _pdf_renderer(not args.no_pdf)
    )
    print(f"evidence bundle {bundle.id}: {len(bundle.item_ids)} item(s), {bundle.files} files")
    print(f"  folder {bundle.folder}")
    print(f"  zip    {bundle.zip} (sha256 {bundle.zip_sha256})")
    print(f"  manifest sha256 {bundle.manifest_sha256} (recorded in the audit trail)")
    return 0


def cmd_export_verify(ctx: AppContext, _actor: Actor | None, args: argparse.Namespace) -> int:
    from services.records.evidence import verify_bundle

    check = verify_bundle(ctx.factory, args.bundle)
    if check.ok:
        print(
            f"bundle {check.bundle_id} intact: {check.files_checked} files and "
            f"{check.events_checked} audit events match"
        )
        return 0
    print(f"bundle {check.bundle_id or '?'} CHANGED since export:")
    for problem in check.problems:
        print(f"  {problem}")
    return 3


def cmd_export_person(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records.subject_access import export_person

    bundle = export_person(
        ctx.factory,
        actor,
        args.contact,
        args.out,
        args.reason,
        ctx.tz,
        args.also,
        _pdf_renderer(not args.no_pdf),
    )
    print(f"subject access bundle {bundle.id}: {len(bundle.item_ids)} item(s)")
    print(f"  folder {bundle.folder}")
    print(f"  zip    {bundle.zip}")
    return 0


def cmd_forget_person(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records.subject_access import forget_person

    done = forget_person(ctx.factory, actor, args.contact, args.reason, args.also)
    print(
        f"erased {done.erased} item(s) from contact(s) {', '.join(map(str, done.contacts))}; "
        f"names removed from {len(done.anonymised)} contact(s)"
    )
    if done.held:
        print(f"kept under legal hold: item(s) {', '.join(map(str, done.held))}")
    return 0


def cmd_welfare_always_reveal(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import welfare

    welfare.set_always_reveal(ctx.factory, actor, args.choice == "on")
    print(
        "distressing items are shown to you unveiled"
        if args.choice == "on"
        else "distressing items are veiled for you until you reveal each one"
    )
    return 0


# ---- holds -------------------------------------------------------------------------


def cmd_hold_add(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import holds

    hold = holds.add_hold(ctx.factory, actor, args.subject, args.id, args.reason)
    print(f"legal hold {hold.id} on {args.subject} {args.id}: {hold.reason}")
    return 0


def cmd_hold_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import holds

    lifted = holds.remove_hold(ctx.factory, actor, args.subject, args.id, args.reason)
    print(f"lifted {lifted} legal hold(s) on {args.subject} {args.id}")
    return 0


def cmd_hold_list(ctx: AppContext, _actor: Actor, args: argparse.Namespace) -> int:
    from console.output import print_table
    from services.records import holds

    rows = holds.list_holds(ctx.factory, include_lifted=args.all)
    print_table(
        ["id", "on", "placed", "by", "lifted", "reason"],
        [
            [
                str(h.id),
                f"{h.subject_type} {h.subject_id}",
                h.placed_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M"),
                h.placed_by or "",
                h.lifted_at.astimezone(ctx.tz).strftime("%Y-%m-%d") if h.lifted_at else "",
                h.reason,
            ]
            for h in rows
        ],
    )
    return 0


# ---- retention ---------------------------------------------------------------------


def parse_class(text: str) -> tuple[str, str]:
    """`spam` → (status, spam); `watch` → (risk, watch); `tag:noise` → (tag, noise)."""
    from services.errors import InvalidInput
    from services.records.retention import KINDS
    from services.store.models import Status

    kind, sep, value = text.partition(":")
    if sep and kind in KINDS:
        return kind, value
    if text in {s.value for s in Status}:
        return "status", text
    if text in RISK_LEVELS:
        return "risk", text
    raise InvalidInput(f"--class {text!r}: {_CLASS_HELP}")


def cmd_retention_set(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import retention

    kind, value = parse_class(args.klass)
    retention.set_class(ctx.factory, actor, kind, value, args.days)
    print(f"retention: {kind} {value} kept {args.days} days")
    return 0


def cmd_retention_remove(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import retention

    kind, value = parse_class(args.klass)
    retention.remove_class(ctx.factory, actor, kind, value)
    print(f"retention class {kind} {value} removed")
    return 0


def cmd_retention_list(ctx: AppContext, _actor: Actor, _args: argparse.Namespace) -> int:
    from services.records import retention

    classes = retention.load_policy(ctx.factory)
    if not classes:
        print("no retention classes: everything is kept")
    for c in classes:
        print(c.label)
    return 0


def cmd_retention_run(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import retention
    from services.store.models import utcnow

    result = retention.run(ctx.factory, actor, utcnow(), dry_run=args.dry_run)
    held = set(result.held)
    for due in result.due:
        mark = "HELD " if due.item_id in held else ("would " if result.dry_run else "")
        posted = due.posted_at.astimezone(ctx.tz).strftime("%Y-%m-%d")
        print(f"{mark}erase item {due.item_id} (posted {posted}): {due.why}")
    goes = len(result.due) - len(held)
    if result.dry_run:
        print(f"dry run: {goes} item(s) would be erased, {len(held)} kept under legal hold")
    else:
        print(f"erased {result.erased} item(s); {len(held)} kept under legal hold")
    return 0


# ---- audit anchors -----------------------------------------------------------------


def cmd_audit_anchor(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import anchor

    written = anchor.write_anchor(ctx.factory, actor, args.out, sign=args.sign)
    print(
        f"anchored event {written.seq} ({written.hash}) to {args.out}"
        + (" (signed)" if written.sig else "")
    )
    return 0


def cmd_anchor_schedule(ctx: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from services.records import anchor

    anchor.set_schedule(ctx.factory, actor, args.folder.resolve(), args.sign)
    print(f"the worker anchors the audit chain daily to {args.folder / anchor.FILE_NAME}")
    return 0


def cmd_audit_verify_anchor(ctx: AppContext, args: argparse.Namespace) -> int:
    from services.records import anchor

    report = anchor.verify_anchors(ctx.factory, args.anchor)
    chain = report.chain
    if not chain.ok:
        print(f"audit chain BROKEN at event {chain.broken_seq}: {chain.reason}")
    if report.line is not None and report.anchor is not None:
        print(
            f"anchor {report.line} (event {report.anchor.seq}, "
            f"{report.anchor.at.isoformat(timespec='seconds')}) no longer matches: {report.reason}"
        )
    elif chain.ok:
        print(
            f"audit chain intact: {chain.events} events verified; "
            f"all {report.anchors} anchors in {args.anchor} match"
        )
    if report.unsigned_checks:
        print("note: signed anchors were not checked: no anchor key in this keyring")
    return 0 if report.ok else 3
