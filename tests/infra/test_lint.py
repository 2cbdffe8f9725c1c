"""The product's code passes the linter with no finding (rules in ruff.toml)."""
from __future__ import annotations

import subprocess
import sys

from tests.infra.conftest import ROOT

CHECKED = ["chalicelib", "app.py", "infra", "scripts"]


def test_the_code_has_no_lint_finding():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "--output-format", "concise", *CHECKED],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
