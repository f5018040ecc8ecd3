"""`python -m console`: the command line and the desktop launcher."""

import sys

from console.cli import main

if __name__ == "__main__":
    sys.exit(main())
