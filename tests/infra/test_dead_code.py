"""The product's code has no dead code vulture finds (used names it cannot see are in
tests/infra/vulture_whitelist.py, each with who uses it)."""
from __future__ import annotations

import subprocess
import sys

from tests.infra.conftest import ROOT

CHECKED = ["chalicelib", "app.py", "infra", "scripts"]
WHITELIST = "tests/infra/vulture_whitelist.py"
# 60 is vulture's lowest confidence: every finding counts (unused functions, classes,
# methods, attributes, variables, imports; unreachable code and unused arguments at 100).
MIN_CONFIDENCE = "60"


def test_the_code_has_no_dead_code():
    result = subprocess.run([sys.executable, "-m", "vulture", *CHECKED, WHITELIST,
                             "--ignore-decorators", "@endpoint",  # Chalice routes
                             "--min-confidence", MIN_CONFIDENCE],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
