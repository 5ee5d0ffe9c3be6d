"""`python -m cpr_bot.cli`: the same as the `cpr-bot` command."""

import sys

from . import main

sys.exit(main())
