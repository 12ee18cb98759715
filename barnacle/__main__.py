import sys

from barnacle.cli import main

sys.exit(main())
