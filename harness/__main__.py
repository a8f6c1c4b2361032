"""python3 -m harness [options]: the entry point behind ./run.sh (see
harness/app.py; --help lists the options)."""

import sys

from .app import main

sys.exit(main())
