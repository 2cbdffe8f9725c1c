"""Infra tests package the prod stage once per session (as ``make package`` does, into a
temporary directory) and read what it built. Packaging downloads wheels from PyPI the
first time only: ``build/cache/`` keeps them. If packaging fails, the tests fail."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE = "prod"


@dataclass(frozen=True)
class Packaged:
    out: Path
    template: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return self.template["Resources"]

    @property
    def template_path(self) -> Path:
        return self.out / "sam.json"

    @property
    def zip_path(self) -> Path:
        return self.out / "deployment.zip"


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Packaged:
    out = tmp_path_factory.mktemp("package") / "chalice"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.release.package", "--stage", STAGE, "--out", str(out),
         "--no-size-limit"],  # the size has its own test
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"packaging failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return Packaged(out, json.loads((out / "sam.json").read_text("utf-8")),
                    json.loads((out / "package.json").read_text("utf-8")))
