"""`python -m tui.cli …` runs the `chuangkou` command."""

import sys

from tui.cli import main

sys.exit(main())
