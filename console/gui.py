"""Launches the desktop console (placeholder until ui/ lands: shows the inbox in the terminal)."""

from __future__ import annotations

import argparse

from console import settings
from console.commands_inbox import cmd_inbox
from console.context import open_context
from services import demo
from services.users import resolve_actor


def launch(args: argparse.Namespace) -> int:
    ctx = open_context(settings.database_url(args.db), settings.timezone_name())
    try:
        actor = resolve_actor(ctx.factory, settings.acting_user(args.user))
        if demo.is_empty_workspace(ctx.factory):
            demo.load(ctx.factory)
        return cmd_inbox(ctx, actor, argparse.Namespace(query=[], all=False, limit=50, json=False))
    finally:
        ctx.close()
