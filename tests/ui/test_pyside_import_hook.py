"""PySide's import hook answers as it always did, only without reading every source twice.

Once PySide6 is imported it asks of every later module whether it mentions "PySide6"
(through inspect.getsource); ui/qt_compat.py reads the file's bytes instead, which took
35 ms off the desktop's start. A fresh interpreter compares both answers over every
module the desktop's start loads.
"""

from __future__ import annotations

import json

from tests.ui.child_python import in_a_child

CHILD = """
import json, sys
import PySide6.QtCore
import shibokensupport.feature as feature
pysides_own = feature._mod_uses_pyside
import ui.app  # the desktop's modules, imported as it starts
from ui.qt_compat import mentions_pyside
modules = [m for m in list(sys.modules.values()) if m is not None]
differ = [m.__name__ for m in modules if bool(pysides_own(m)) != mentions_pyside(m)]
print(json.dumps({
    "replaced": feature._mod_uses_pyside is mentions_pyside,
    "checked": len(modules),
    "mention": sum(mentions_pyside(m) for m in modules),
    "differ": differ,
}))
"""


def test_the_quick_check_answers_as_pysides_own_for_every_module_the_desktop_loads() -> None:
    done = in_a_child(CHILD)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["replaced"], "PySide's check was not replaced: has PySide changed?"
    assert found["checked"] > 300
    assert found["mention"] > 40  # the ui modules, and PySide6's own
    assert found["differ"] == []
