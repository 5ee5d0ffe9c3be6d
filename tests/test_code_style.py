"""The code passes the project's linter (ruff: bugbear, pycodestyle, pyflakes, isort, pyupgrade)."""

from __future__ import annotations

import subprocess
import sys

from cpr_bot.config import ROOT


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "cpr_bot", "tests", "bench",
                           "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
