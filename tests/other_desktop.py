"""Another desktop, as its own process: opens the composer on an item through the service.

    python -m tests.other_desktop DATABASE_URL USER ITEM_ID

Prints "replying" once its presence is written, holds it (with heartbeats, as the
desktop does) until a line or end of file arrives on stdin, then leaves and prints "left".
The "is replying" tests start it so the banner is proven across processes, not threads.
"""

from __future__ import annotations

import sys
import threading

from services.desk import presence
from services.store.db import make_engine, make_session_factory
from services.workspace.users import resolve_actor


def main(url: str, user: str, item_id: int) -> int:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    actor = resolve_actor(factory, user)
    presence.start(factory, actor, item_id)
    print("replying", flush=True)
    done = threading.Event()

    def wait_for_the_word() -> None:
        sys.stdin.readline()
        done.set()

    threading.Thread(target=wait_for_the_word, daemon=True).start()
    while not done.wait(presence.HEARTBEAT.total_seconds()):
        presence.heartbeat(factory, actor, item_id)
    presence.stop(factory, actor, item_id)
    print("left", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
