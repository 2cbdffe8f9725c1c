"""Importing the product reads no setting: the environment is read when the services are
built (chalicelib/wiring.py), and app.py, the entry point, asks for it on purpose."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.infra.conftest import ROOT

# Run in a fresh interpreter: this one has read the tests' settings long ago. Every
# CANTINE_* variable is gone but a stage that get_settings() would refuse, and os.environ
# records every CANTINE_* name asked for.
IMPORT_EVERYTHING = r"""
import importlib, json, os, pkgutil, sys
from collections.abc import MutableMapping

class Recording(MutableMapping):
    def __init__(self, real):
        self.real, self.read = real, []
    def _note(self, key):
        if isinstance(key, str) and key.startswith("CANTINE_"):
            self.read.append(key)
    def __getitem__(self, key):
        self._note(key)
        return self.real[key]
    def __contains__(self, key):
        self._note(key)
        return key in self.real
    def __setitem__(self, key, value):
        self.real[key] = value
    def __delitem__(self, key):
        del self.real[key]
    def __iter__(self):
        return iter(self.real)
    def __len__(self):
        return len(self.real)
    def copy(self):
        return dict(self.real)

os.environ = recording = Recording(os.environ)
import chalicelib
names = ["infra.template", "infra.site_headers"] + sorted(
    m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."))
for name in names:
    importlib.import_module(name)
from chalicelib.settings import get_settings
print(json.dumps({"modules": len(names), "read": recording.read,
                  "settings_built": get_settings.cache_info().currsize}))
"""


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANTINE_")}
    env["CANTINE_STAGE"] = "poisoned"  # get_settings() would raise SettingsError
    return env


def test_importing_every_module_reads_no_setting():
    result = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], cwd=ROOT,
                            env=_environment(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["modules"] > 80  # every module of chalicelib, not a handful
    assert found["read"] == []
    assert found["settings_built"] == 0


def test_the_entry_point_reads_them_and_refuses_a_bad_environment():
    """app.py is where a Lambda starts: it reads the settings at once and fails fast."""
    result = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT,
                            env=_environment(), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SettingsError" in result.stderr and "CANTINE_STAGE" in result.stderr
