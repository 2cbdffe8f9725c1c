"""Supply-chain audit: the pinned requirements (and the installed packages) against the
vulnerability data that PyPI publishes.

Source. PyPI's JSON API ``/pypi/<project>/json`` carries a ``vulnerabilities`` list: the
advisories (PYSEC from the Python Packaging Advisory Database, GHSA, ... through OSV) that
affect the project's *latest* release. It is the only maintained vulnerability data that
this project's machines reach (CI and developers reach PyPI and nothing else: OSV's API and
dumps, GitHub's advisory database, PyPI's per-release ``/pypi/<project>/<version>/json``
that pip-audit queries, Safety's and OSS Index's services are all out of reach; pip-audit
then skips every package and still exits 0).

What that data can prove, per pin:
- the pin is its project's latest release: the list is exactly its known advisories, so
  the pin is audited: CLEAN or VULNERABLE;
- the pin is older: advisories fixed by a later release are invisible here. An advisory
  still open against the latest release (no fix) is reported against the older pin too
  (VULNERABLE, presumed). Otherwise the pin is UNVERIFIED while the first newer release is
  at most ``--max-lag-days`` old (a bounded window), and STALE after that: a failure for a
  pinned requirement, since a pin that lags is exactly where a fix release hides, unless
  ACCEPTED below with its reason.

Exit codes: 0 every pin audited or within the window, none vulnerable; 1 a known
vulnerability; 2 the vulnerability data could not be obtained (never a silent pass);
3 no known vulnerability, but a pin is STALE (cannot be audited: bump it or accept it).

Usage: ``.venv/bin/python -m scripts.release.audit_deps [--installed] [-r FILE ...]``
(default files: requirements.txt and requirements-dev.txt, ``-r`` lines followed;
``--installed`` adds every package installed in the running interpreter's environment).
Results are cached ``--cache-ttl`` seconds in build/cache/audit_deps/.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - pip always vendors it
    from pip._vendor.packaging.version import InvalidVersion, Version  # type: ignore

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILES = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
CACHE_DIR = ROOT / "build" / "cache" / "audit_deps"
PYPI_JSON = "https://pypi.org/pypi/{name}/json"
DEFAULT_MAX_LAG_DAYS = 90  # a pin may trail its newest release by one quarter
DEFAULT_CACHE_TTL = 6 * 3600

# Pins that cannot be the latest release for a stated reason, reviewed by hand: their
# staleness is reported, not failed. Advisories open against the latest release still fail.
ACCEPTED: dict[str, str] = {
    "python-dateutil": "capped <3 by botocore and holidays; 2.9.0.post0 is the newest 2.x",
}

EXIT_OK, EXIT_VULNERABLE, EXIT_UNAVAILABLE, EXIT_STALE = 0, 1, 2, 3

CLEAN, VULNERABLE, UNVERIFIED, STALE, ACCEPTED_STALE, ERROR = (
    "CLEAN", "VULNERABLE", "UNVERIFIED", "STALE", "ACCEPTED", "ERROR")


class DataUnavailable(Exception):
    """PyPI's vulnerability data for a project could not be obtained."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: str
    origin: str  # "requirements.txt:3", or "installed"


@dataclass
class Finding:
    pin: Pin
    status: str
    latest: str | None = None
    advisories: list[dict] = field(default_factory=list)
    detail: str = ""


# --------------------------------------------------------------------------- inputs

_REQ = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def read_requirements(path: Path, _seen: set[Path] | None = None) -> list[Pin]:
    """Every requirement of a pip requirements file, following ``-r``/``--requirement``.
    A requirement not pinned with ``==`` is returned with version "" (reported STALE:
    nothing can be audited without a version)."""
    seen = _seen if _seen is not None else set()
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    pins: list[Pin] = []
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(?:-r|--requirement)(?:\s+|=)(\S+)$", line)
        if m:
            pins += read_requirements(path.parent / m.group(1), seen)
            continue
        if line.startswith("-"):
            continue  # other pip options (-c, --index-url, ...)
        line = line.split(";", 1)[0].strip()  # environment markers
        m = _REQ.match(line)
        if not m:
            continue
        spec = m.group(3).strip()
        version = spec[2:].strip() if spec.startswith("==") and "," not in spec else ""
        pins.append(Pin(canonical(m.group(1)), version, f"{path.name}:{lineno}"))
    return pins


def installed_pins() -> list[Pin]:
    """Every distribution installed in the running interpreter's environment (pip freeze,
    plus pip/setuptools/wheel themselves)."""
    from importlib.metadata import distributions

    found = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found[canonical(name)] = Pin(canonical(name), dist.version, "installed")
    return sorted(found.values(), key=lambda p: p.name)


def merge(pins: Iterable[Pin]) -> list[Pin]:
    """One entry per (name, version); a pinned requirement wins over 'installed'."""
    out: dict[tuple[str, str], Pin] = {}
    for pin in pins:
        key = (pin.name, pin.version)
        if key not in out or out[key].origin == "installed":
            out[key] = pin
    return sorted(out.values(), key=lambda p: (p.origin == "installed", p.name))


# --------------------------------------------------------------------------- PyPI data

def fetch_project(name: str, timeout: float = 30, attempts: int = 3) -> dict:
    """The compact record of one project from PyPI's JSON API: latest release, the
    advisories affecting it, and the first upload date of each release."""
    url = PYPI_JSON.format(name=name)
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                data = json.load(resp)
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return {"missing": True}
            last = exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = exc
        time.sleep(1 + 2 * attempt)
    else:
        raise DataUnavailable(f"{url}: {last}")
    if "vulnerabilities" not in data or "info" not in data:
        raise DataUnavailable(f"{url}: no 'vulnerabilities' field in PyPI's answer")
    releases = {}
    for version, files in data.get("releases", {}).items():
        dates = [f.get("upload_time_iso_8601") for f in files if f.get("upload_time_iso_8601")]
        if dates:
            releases[version] = {"uploaded": min(dates),
                                 "yanked": all(f.get("yanked") for f in files)}
    return {
        "latest": data["info"]["version"],
        "vulnerabilities": [
            {k: v.get(k) for k in ("id", "aliases", "fixed_in", "summary", "link", "withdrawn")}
            for v in data["vulnerabilities"]
        ],
        "releases": releases,
    }


class Cache:
    """Compact PyPI records on disk, one JSON file, each record kept ``ttl`` seconds."""

    def __init__(self, directory: Path | None, ttl: float):
        self.path = directory / "pypi.json" if directory else None
        self.ttl = ttl
        self.records: dict[str, dict] = {}
        if self.path and self.path.exists():
            try:
                self.records = json.loads(self.path.read_text())
            except ValueError:
                self.records = {}

    def get(self, name: str) -> dict | None:
        rec = self.records.get(name)
        if rec and time.time() - rec.get("fetched", 0) <= self.ttl:
            return rec["data"]
        return None

    def put(self, name: str, data: dict) -> None:
        self.records[name] = {"fetched": time.time(), "data": data}

    def save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.records))
            tmp.replace(self.path)


# --------------------------------------------------------------------------- audit

def _v(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _days_since(iso: str, now: datetime) -> float:
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (now - when).total_seconds() / 86400


def judge(pin: Pin, record: dict, *, max_lag_days: float, accepted: dict[str, str],
          now: datetime) -> Finding:
    """The verdict on one pin given its project's PyPI record (see the module doc)."""
    if record.get("missing"):
        return Finding(pin, STALE, detail="not on PyPI: cannot be audited")
    latest = record["latest"]
    open_advisories = [a for a in record["vulnerabilities"] if not a.get("withdrawn")]
    pinned, newest = _v(pin.version), _v(latest)
    if pinned is None:
        return Finding(pin, STALE, latest, detail="not pinned to one version: cannot be audited")
    if pin.version not in record["releases"] and not any(
            _v(v) == pinned for v in record["releases"]):
        return Finding(pin, STALE, latest, detail=f"version {pin.version} is not on PyPI: cannot be audited")
    if newest is not None and pinned == newest:
        if open_advisories:
            return Finding(pin, VULNERABLE, latest, open_advisories,
                           "advisories published by PyPI for this release")
        return Finding(pin, CLEAN, latest, detail="latest release, no advisory")
    # An older (or pre-release) pin: only advisories still open on the latest release show.
    presumed = [a for a in open_advisories
                if not a.get("fixed_in")
                or all((_v(f) or pinned) > pinned for f in a["fixed_in"])]
    if presumed:
        return Finding(pin, VULNERABLE, latest, presumed,
                       f"advisories open against the latest release {latest} without an "
                       "earlier fix: presumed to affect this older pin")
    newer = sorted((v, info["uploaded"]) for v, info in
                   ((_v(k), i) for k, i in record["releases"].items())
                   if v is not None and v > pinned and not v.is_prerelease
                   and not info.get("yanked"))
    if not newer:  # a pre-release newer than every final release
        return Finding(pin, UNVERIFIED, latest, detail="newer than the latest final release")
    first_version, first_date = newer[0]
    lag = _days_since(first_date, now)
    detail = (f"not the latest release ({latest}); {first_version} came out "
              f"{first_date[:10]} ({lag:.0f} days ago): advisories fixed since are not "
              "visible through PyPI's latest-release data")
    if pin.name in accepted:
        return Finding(pin, ACCEPTED_STALE, latest, detail=f"{detail}; accepted: {accepted[pin.name]}")
    if lag <= max_lag_days:
        return Finding(pin, UNVERIFIED, latest, detail=detail)
    return Finding(pin, STALE, latest, detail=detail)


def audit(pins: Iterable[Pin], *, fetch: Callable[[str], dict] = fetch_project,
          cache: Cache | None = None, max_lag_days: float = DEFAULT_MAX_LAG_DAYS,
          accepted: dict[str, str] | None = None, now: datetime | None = None,
          workers: int = 8) -> list[Finding]:
    pins = list(pins)
    accepted = ACCEPTED if accepted is None else accepted
    now = now or datetime.now(UTC)
    names = sorted({p.name for p in pins})
    records: dict[str, dict | Exception] = {}
    todo = []
    for name in names:
        hit = cache.get(name) if cache else None
        if hit is not None:
            records[name] = hit
        else:
            todo.append(name)

    def one(name: str) -> tuple[str, dict | Exception]:
        try:
            return name, fetch(name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported as ERROR
            return name, exc

    with ThreadPoolExecutor(max(1, min(workers, len(todo) or 1))) as pool:
        for name, rec in pool.map(one, todo):
            records[name] = rec
            if cache and isinstance(rec, dict):
                cache.put(name, rec)
    if cache:
        cache.save()
    findings = []
    for pin in pins:
        rec = records[pin.name]
        if isinstance(rec, Exception):
            findings.append(Finding(pin, ERROR, detail=f"vulnerability data unavailable: {rec}"))
        else:
            findings.append(judge(pin, rec, max_lag_days=max_lag_days, accepted=accepted, now=now))
    return findings


def exit_code(findings: list[Finding], *, strict_installed: bool = False) -> int:
    def counts(f: Finding) -> bool:
        return f.pin.origin != "installed" or strict_installed

    if any(f.status == VULNERABLE for f in findings):
        return EXIT_VULNERABLE
    if any(f.status == ERROR for f in findings):
        return EXIT_UNAVAILABLE
    if any(f.status == STALE and counts(f) for f in findings):
        return EXIT_STALE
    return EXIT_OK


def report(findings: list[Finding], code: int) -> str:
    order = {VULNERABLE: 0, ERROR: 1, STALE: 2, UNVERIFIED: 3, ACCEPTED_STALE: 4, CLEAN: 5}
    lines = []
    for f in sorted(findings, key=lambda f: (order[f.status], f.pin.name)):
        head = f"{f.status:<10} {f.pin.name}=={f.pin.version or '?'}  [{f.pin.origin}]"
        if f.status == CLEAN:
            lines.append(head)
            continue
        lines.append(f"{head}  {f.detail}")
        for a in f.advisories:
            aliases = ", ".join(a.get("aliases") or [])
            fixed = ", ".join(a.get("fixed_in") or []) or "no fixed release"
            lines.append(f"           - {a['id']} ({aliases}) fixed in: {fixed}  {a.get('link') or ''}")
    tally = {s: sum(f.status == s for f in findings) for s in order}
    lines.append("")
    counts = ", ".join(f"{n} {s.lower()}" for s, n in tally.items() if n)
    lines.append(f"audited {len(findings)} packages against PyPI's vulnerability data: {counts}")
    lines.append({
        EXIT_OK: "OK: no known vulnerability",
        EXIT_VULNERABLE: "FAIL: known-vulnerable packages (see VULNERABLE above)",
        EXIT_UNAVAILABLE: "FAIL: the vulnerability data could not be obtained; nothing is proven",
        EXIT_STALE: "FAIL: pinned requirements that cannot be audited (STALE): bump them to "
                    "the latest release, or accept them in scripts/release/audit_deps.py with a reason",
    }[code])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-r", "--requirement", action="append", type=Path,
                    help="requirements file (repeatable; default: requirements.txt and "
                         "requirements-dev.txt)")
    ap.add_argument("--installed", action="store_true",
                    help="also audit every package installed in this interpreter's environment")
    ap.add_argument("--strict-installed", action="store_true",
                    help="a STALE installed (unpinned) package fails too")
    ap.add_argument("--max-lag-days", type=float, default=DEFAULT_MAX_LAG_DAYS)
    ap.add_argument("--cache-ttl", type=float, default=DEFAULT_CACHE_TTL,
                    help="seconds a cached PyPI record is reused (0: always fetch)")
    ap.add_argument("--json", action="store_true", help="print the findings as JSON")
    args = ap.parse_args(argv)

    pins: list[Pin] = []
    for path in args.requirement or DEFAULT_FILES:
        pins += read_requirements(path)
    if args.installed:
        pins += installed_pins()
    started = time.monotonic()
    findings = audit(merge(pins), cache=Cache(CACHE_DIR if args.cache_ttl > 0 else None,
                                              args.cache_ttl),
                     max_lag_days=args.max_lag_days)
    code = exit_code(findings, strict_installed=args.strict_installed)
    if args.json:
        print(json.dumps([{"name": f.pin.name, "version": f.pin.version, "origin": f.pin.origin,
                           "status": f.status, "latest": f.latest, "detail": f.detail,
                           "advisories": f.advisories} for f in findings], indent=1))
    else:
        print(report(findings, code))
        print(f"({time.monotonic() - started:.1f} s)")
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # a crash must not read as "vulnerable" (1) or pass (0)
        print(f"FAIL: the audit itself failed, nothing is proven: {exc!r}", file=sys.stderr)
        sys.exit(EXIT_UNAVAILABLE)
