"""``python -m codes.data``: fetch and verify the data of the book (see codes/data/fetch.py)."""

import sys

from .fetch import main

sys.exit(main())
