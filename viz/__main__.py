"""``python -m scratchgrad.viz``: see `viz.cli`."""

import sys

from scratchgrad.viz.cli import main

sys.exit(main())
