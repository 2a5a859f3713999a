"""``python -m viz``: see `viz.cli`."""

import sys

from viz.cli import main

sys.exit(main())
