"""``python -m dashboard``: the command-line interface."""

import os
import sys

from dashboard.cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # `... | head` closed the pipe: not an error
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
