"""``python -m barnacle.sample``: serve the sample collection (see :mod:`barnacle.sample.serve`)."""

from __future__ import annotations

import sys

from barnacle.sample.serve import main

sys.exit(main())
