"""The product's code passes the type checker with no finding (settings in mypy.ini)."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.infra.conftest import ROOT

CHECKED = ["chalicelib", "app.py", "infra", "scripts"]


def test_the_code_has_no_type_finding():
    # No cache left in the tree, as the linter leaves none: os.devnull turns it off.
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", os.devnull,
                             "--no-error-summary", "--hide-error-context", *CHECKED],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
