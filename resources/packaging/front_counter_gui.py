"""The windowed launcher's entry point (Windows: front-counter-gui.exe, built with console=False).

A windowed program has no console: Windows gives it no standard output, so Python's
sys.stdout and sys.stderr are None and a print would raise. They go to the null device
instead (the desktop shows its messages in its window). The command line and the sync
worker are the console executable, front-counter.exe, beside this one.
"""

import os
import sys

if sys.stdout is None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (lives as long as the process)
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115

from console.cli import main  # after the streams exist

if __name__ == "__main__":
    sys.exit(main())
