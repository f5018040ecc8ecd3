"""The desktop's own modules leave for later what its first rows do not need.

Each of these was imported by a window module at every start and cost the 1,000,000-item
bench's start-up some milliseconds: the connectors (35-45 ms), the worker's event
classes with the out-of-hours service (about 10 ms), `regex` (9 ms), SQLAlchemy's
PostgreSQL dialect on SQLite (33 ms) and its SQLite dialect on PostgreSQL (5-7 ms), the
risk classifier (8-9 ms: the list reads flags through services/desk/risk_levels.py), the
conversation's loader (5 ms: it loads in the first conversation's job). They
load when first used; a database's own dialect loads as it opens.
"""

from __future__ import annotations

import json

from tests.ui.child_python import in_a_child

LATER = (
    "services.worker_events",
    "services.desk.out_of_hours",
    "services.channels.wordpress",
    "services.channels.email",
    "services.channels.mastodon",
    "regex",
    "imaplib",
    "smtplib",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "services.desk.risk",
    "services.inbox.conversation",
)

CHILD = """
import json, sys
import console.gui, console.context, ui.app  # what `python -m console` imports to open the window
print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))
"""


def test_the_window_modules_leave_these_for_later() -> None:
    done = in_a_child(CHILD, json.dumps(LATER))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
