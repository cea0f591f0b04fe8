"""`python -m notewire ...`: the `notewire` command (as a spawner may run it)."""

import sys

from notewire.cli import main

sys.exit(main())
