"""The desktop: PySide6 only, above services/ and below console/.

Imported before any of its modules: PySide's import hook is made cheap first (qt_compat.py).
"""

from ui.qt_compat import read_sources_directly

read_sources_directly()
