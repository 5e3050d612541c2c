"""`python -m rootguard`: the same command line as the `rootguard` console script."""

import sys

from rootguard.cli import main

sys.exit(main())
