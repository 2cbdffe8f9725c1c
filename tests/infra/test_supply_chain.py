"""Supply chain: the pinned requirements hold no known-vulnerable release.

scripts/release/audit_deps.py audits against the vulnerability data PyPI publishes (the only
maintained source this project's machines reach; see its docstring for what that data can
and cannot prove). These tests need PyPI, like `make test`'s install: if PyPI cannot be
reached they fail, never skip, since an audit that did not run proves nothing."""
from __future__ import annotations

import subprocess
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest

from scripts.release import audit_deps as ad

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cache() -> ad.Cache:
    return ad.Cache(ad.CACHE_DIR, ad.DEFAULT_CACHE_TTL)


# ------------------------------------------------------------ against PyPI's real data

def test_a_known_vulnerable_release_is_flagged(cache):
    # pycrypto 2.6.1 is its project's last release and carries open advisories
    # (CVE-2013-7459, CVE-2018-6594) that will never be fixed.
    [finding] = ad.audit([ad.Pin("pycrypto", "2.6.1", "fake.txt:1")], cache=cache)
    assert finding.status == ad.VULNERABLE, finding
    ids = {a["id"] for a in finding.advisories} | {
        alias for a in finding.advisories for alias in a.get("aliases") or []}
    assert {"CVE-2013-7459", "CVE-2018-6594"} <= ids
    assert ad.exit_code([finding]) == ad.EXIT_VULNERABLE


@pytest.mark.parametrize("name, version", [("urllib3", "1.24.1"), ("pyyaml", "5.3")])
def test_an_old_vulnerable_pin_cannot_pass(cache, name, version):
    # Both have advisories fixed long ago: PyPI's latest-release data cannot show them, so
    # the pin must come out STALE (a failure), never CLEAN.
    [finding] = ad.audit([ad.Pin(name, version, "fake.txt:1")], cache=cache)
    assert finding.status == ad.STALE, finding
    assert ad.exit_code([finding]) == ad.EXIT_STALE


def test_the_command_fails_on_a_vulnerable_pin(tmp_path):
    (tmp_path / "base.txt").write_text("pycrypto==2.6.1\n")
    (tmp_path / "dev.txt").write_text("-r base.txt\n")
    run = subprocess.run([sys.executable, "-m", "scripts.release.audit_deps", "-r", str(tmp_path / "dev.txt")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == ad.EXIT_VULNERABLE, run.stdout + run.stderr
    assert "VULNERABLE pycrypto==2.6.1" in run.stdout and "CVE-2018-6594" in run.stdout


def test_pinned_requirements_have_no_known_vulnerability(cache):
    pins = [p for f in ad.DEFAULT_FILES for p in ad.read_requirements(f)]
    assert {"boto3", "pillow", "pytest"} <= {p.name for p in pins}  # both files, -r followed
    findings = ad.audit(ad.merge(pins + ad.installed_pins()), cache=cache)
    code = ad.exit_code(findings)
    # Installed packages that nothing pins (transitive ones, pip, setuptools) are reported,
    # not failed, unless PyPI shows them vulnerable or cannot be reached.
    others = [f for f in findings if f.pin.origin == "installed" and f.status == ad.STALE]
    if others:
        warnings.warn("installed but unpinned, cannot be audited:\n" + "\n".join(
            f"{f.pin.name}=={f.pin.version}: {f.detail}" for f in others))
    assert code == ad.EXIT_OK, ad.report([f for f in findings if f.status != ad.CLEAN], code)


# ------------------------------------------------------------ the rules, on fixed data

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def record(latest, vulns=(), releases=None):
    releases = releases or {latest: "2026-01-01T00:00:00Z"}
    return {"latest": latest, "vulnerabilities": list(vulns),
            "releases": {v: {"uploaded": d, "yanked": False} for v, d in releases.items()}}


ADVISORY = {"id": "PYSEC-1", "aliases": ["CVE-1"], "fixed_in": ["2.0"], "withdrawn": None}
OPEN_ADVISORY = {"id": "GHSA-x", "aliases": [], "fixed_in": [], "withdrawn": None}


def judge(pin_version, rec, **kw):
    return ad.judge(ad.Pin("p", pin_version, "r.txt:1"), rec, now=NOW,
                    max_lag_days=kw.get("max_lag_days", 30), accepted=kw.get("accepted", {}))


def test_rules():
    assert judge("1.0", record("1.0")).status == ad.CLEAN
    assert judge("1.0", record("1.0", [ADVISORY])).status == ad.VULNERABLE
    assert judge("1.0", record("1.0", [{**ADVISORY, "withdrawn": "2026"}])).status == ad.CLEAN
    old = {"1.0": "2025-01-01T00:00:00Z", "1.1": "2026-11-10T00:00:00Z"}
    assert judge("1.0", record("1.1", releases=old)).status == ad.UNVERIFIED  # 12 days
    assert judge("1.0", record("1.1", releases=old), max_lag_days=7).status == ad.STALE
    assert judge("1.0", record("1.1", releases=old), max_lag_days=7,
                 accepted={"p": "capped"}).status == ad.ACCEPTED_STALE
    # An advisory open on the latest release without a fix is presumed on older pins too.
    assert judge("1.0", record("1.1", [OPEN_ADVISORY], releases=old)).status == ad.VULNERABLE
    assert judge("", record("1.0")).status == ad.STALE  # unpinned
    assert judge("0.9", record("1.0")).status == ad.STALE  # not a release on PyPI
    assert judge("1.0", {"missing": True}).status == ad.STALE


def test_unreachable_data_is_a_distinct_failure():
    def down(name):
        raise ad.DataUnavailable("pypi.org unreachable")

    findings = ad.audit([ad.Pin("requests", "2.0.0", "r.txt:1")], fetch=down)
    assert [f.status for f in findings] == [ad.ERROR]
    assert ad.exit_code(findings) == ad.EXIT_UNAVAILABLE
    assert "could not be obtained" in ad.report(findings, ad.EXIT_UNAVAILABLE)


def test_requirements_parsing(tmp_path):
    (tmp_path / "a.txt").write_text(
        "# c\nFoo_Bar==1.0  # pinned\nmoto[server,ses]==5.2.5\nloose>=1\n"
        "x==2 ; python_version>'3'\n--index-url https://example.invalid\n-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\nzzz==3\n")
    got = [(p.name, p.version) for p in ad.read_requirements(tmp_path / "a.txt")]
    assert got == [("foo-bar", "1.0"), ("moto", "5.2.5"), ("loose", ""), ("x", "2"), ("zzz", "3")]
