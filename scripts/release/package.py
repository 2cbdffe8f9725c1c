"""``make package``: the deployable artefacts of one stage in ``build/chalice/``.

1. The dependencies of requirements.txt, as wheels for Lambda's Linux (chalice's own
   dependency builder), trimmed (see EXCLUDED, PURE_PYTHON): what the Lambda Python
   runtime already ships (boto3, botocore and theirs) and what the app never loads.
   Cached in ``build/cache/`` by a hash of requirements.txt and of these rules, so only a
   changed requirement downloads anything.
2. ``chalice package --stage STAGE`` on a staging copy of the app, with those
   dependencies as its ``vendor/`` directory → ``sam.json`` + ``deployment.zip``.
3. The zip is byte-compiled (``__pycache__`` with unchecked-hash .pyc: Lambda's code
   directory is read-only, so without them every cold start compiles every module it
   imports) and rewritten with fixed dates and a fixed order.
4. ``infra.template.merge`` adds the tables, site, mail, alarms and least-privilege
   policies to ``sam.json``.

Needs only the package registries (PyPI), never an AWS account.
"""
from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
CACHE = BUILD / "cache"
DEFAULT_OUT = BUILD / "chalice"
PYTHON_RUNTIME = "python3.11"  # chalice takes the runtime from the interpreter packaging
ABI = "cp311"
MAX_ZIP_BYTES = 10_000_000  # "10 MB", read strictly

# Distributions left out of the package → why. Their top-level entries and their
# .dist-info/.data directories go. tests/infra runs the package without them.
EXCLUDED = {
    # Shipped by the Lambda Python runtime (/var/runtime), with botocore's own needs.
    # pynamodb works with the runtime's botocore (the storage, API and job tests passed
    # on boto3/botocore 1.34.162 as on the pinned 1.44). python-dateutil and six stay: the
    # app imports dateutil itself and keeps its pinned version.
    "boto3": ("boto3",), "botocore": ("botocore",), "s3transfer": ("s3transfer",),
    "jmespath": ("jmespath",), "urllib3": ("urllib3",),
    # fpdf2 imports Pillow only to embed images, each import guarded by ImportError, and
    # the invoice has none (core Helvetica, lines and fills): 8 MB of imaging libraries.
    "pillow": ("PIL", "pillow.libs"),
    # sepaxml imports xmlschema only to validate a file as it exports it; the app exports
    # without (the tests validate every debit file against the XSD with lxml).
    "xmlschema": ("xmlschema",), "elementpath": ("elementpath",),
}
# Data folders of a package the app never reads → why. pycountry (for schwifty's country
# lookups) carries 22 MB of translations of country names; the IBAN checks read none.
TRIMMED = {"pycountry": ("locales", "tests")}
# Installed without their compiled accelerators (and the C sources the wheel carries):
# every extension module has its .py twin, which fontTools falls back to — what its
# pure-Python wheel holds. Invoices use core fonts: no outline is ever computed.
PURE_PYTHON = ("fontTools",)
# Imported only when an invoice PDF is drawn, never at cold start: no .pyc for them
# (3 MB); the first PDF of a Lambda container compiles them in memory.
LAZY_NO_BYTECODE = ("fontTools", "fpdf")
APP_FILES = ("app.py", "chalicelib")


class PackagingError(RuntimeError):
    """The artefacts could not be built."""


def load_stage_env(stage: str) -> dict[str, str]:
    """The Lambda environment .chalice/config.json gives this stage."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    if stage not in config.get("stages", {}):
        raise PackagingError(f"étape inconnue : {stage} (voir .chalice/config.json)")
    if stage == "local":
        raise PackagingError("l'étape local se lance avec make run ; on déploie dev ou prod")
    values = dict(config.get("environment_variables", {}))
    values.update(config["stages"][stage].get("environment_variables", {}))
    return values


def is_excluded(entry: str) -> bool:
    """Whether a top-level site-packages entry belongs to an EXCLUDED distribution."""
    lowered = entry.lower()
    for distribution, tops in EXCLUDED.items():
        if entry in tops:
            return True
        if lowered.startswith(distribution + "-") and lowered.endswith((".dist-info", ".data")):
            return True
    return False


def make_pure_python(site: Path, package: str) -> None:
    """Drop a package's compiled accelerators, checking each has its .py twin."""
    for path in sorted((site / package).rglob("*")):
        if path.suffix == ".so":
            twin = path.with_name(path.name.split(".", 1)[0] + ".py")
            if not twin.exists():
                raise PackagingError(f"{path.relative_to(site)} n'a pas de version Python")
            path.unlink()
        elif path.suffix in (".c", ".pyx", ".pxd"):
            path.unlink()


def dependencies_dir() -> Path:
    """Site-packages for Lambda, built once per requirements.txt (see module doc)."""
    requirements = (ROOT / "requirements.txt").read_bytes()
    import chalice
    rules = json.dumps([sorted(EXCLUDED.items()), PURE_PYTHON, sorted(TRIMMED.items())]).encode()
    key = hashlib.sha256(b"\0".join([requirements, ABI.encode(), chalice.__version__.encode(),
                                     rules])).hexdigest()[:16]
    target = CACHE / f"site-packages-{key}"
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    # One build at a time (two test workers packaging at once): the second waits, then
    # finds the first one's result instead of racing it to the same directory.
    import fcntl
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_dir():
            return target
        return _build_dependencies(target)


def _lean_builder():
    """Chalice's dependency builder, blind to the EXCLUDED distributions from the start.

    Left to itself it looks for a Lambda wheel of every distribution pip downloaded and
    builds one from source when there is none: Pillow has no wheel for Lambda's glibc,
    so a fresh machine compiled it for 20 s to 80 s (two test workers) and then threw it
    away with the rest of EXCLUDED. What reaches the package is the same.
    """
    from chalice.deploy.packager import DependencyBuilder, PipRunner, SubprocessPip
    from chalice.utils import OSUtils

    class LeanDependencyBuilder(DependencyBuilder):
        def _download_all_dependencies(self, requirements_filename, directory):
            kept = set()
            for package in super()._download_all_dependencies(requirements_filename,
                                                               directory):
                if package.name.replace("_", "-").lower() in EXCLUDED:
                    os.remove(os.path.join(directory, package.filename))
                else:
                    kept.add(package)
            return kept

    osutils = OSUtils()
    return LeanDependencyBuilder(osutils, PipRunner(SubprocessPip(osutils)))


def _build_dependencies(target: Path) -> Path:
    from chalice.deploy.packager import MissingDependencyError
    work = Path(tempfile.mkdtemp(prefix="building-", dir=CACHE))
    try:
        builder = _lean_builder()
        print("Téléchargement des dépendances pour Lambda (PyPI)…", flush=True)
        try:
            builder.build_site_packages(ABI, str(ROOT / "requirements.txt"), str(work))
        except MissingDependencyError as exc:
            raise PackagingError("pas de roue Linux pour : "
                                 + ", ".join(sorted(p.identifier for p in exc.missing))) from exc
        except Exception as exc:  # pip's failures (no network, unknown version…)
            raise PackagingError(f"téléchargement des dépendances impossible : {exc}") from exc
        for entry in list(work.iterdir()):
            if is_excluded(entry.name):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for package in PURE_PYTHON:
            if (work / package).is_dir():
                make_pure_python(work, package)
        for package, folders in TRIMMED.items():
            for folder in folders:
                shutil.rmtree(work / package / folder, ignore_errors=True)
        for cache_dir in work.rglob("__pycache__"):
            shutil.rmtree(cache_dir, ignore_errors=True)
        work.rename(target)
        for old in CACHE.glob("site-packages-*"):  # built for former requirements
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


def stage_project(deps: Path, where: Path) -> Path:
    """A copy of the app for chalice, with the dependencies as vendor/ and no requirements."""
    project = where / "project"
    (project / ".chalice").mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in APP_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=ignore)
        else:
            shutil.copy2(source, project / name)
    for source in (ROOT / ".chalice").glob("*.json"):
        shutil.copy2(source, project / ".chalice" / source.name)
    (project / "requirements.txt").write_text(
        "# The dependencies are in vendor/, built by scripts/release/package.py.\n", encoding="utf-8")
    shutil.copytree(deps, project / "vendor")
    return project


def chalice_package(project: Path, stage: str, out: Path) -> None:
    """Run ``chalice package`` on the staging project."""
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice) if chalice.exists() else "chalice", "package", "--stage", stage,
               str(out)]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackagingError(f"chalice package a échoué :\n{result.stdout}{result.stderr}")


def compile_and_rezip(zip_path: Path) -> None:
    """Add unchecked-hash .pyc files and rewrite the zip with fixed dates and order."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        with zipfile.ZipFile(zip_path) as original:
            original.extractall(tree)
        lazy = re.compile("^" + re.escape(str(tree)) + "/(" + "|".join(LAZY_NO_BYTECODE) + ")/")
        ok = compileall.compile_dir(
            str(tree), quiet=2, ddir="/var/task", workers=1, rx=lazy,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        if not ok:
            raise PackagingError("compilation des modules impossible")
        files = sorted(p for p in tree.rglob("*") if p.is_file())
        rebuilt = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for path in files:
                info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16  # world-readable: Lambda runs as another user
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, path.read_bytes(), compresslevel=9)
        rebuilt.replace(zip_path)


def _prepare_environment(stage_env: dict[str, str]) -> None:
    # chalice package (a child process, which inherits this environment) imports app.py,
    # which reads the stage's settings and refuses unsafe ones.
    # Only the stage's own variables: local-only ones (a fixed clock, moto's endpoint,
    # pacing off) are refused by a deployed stage's settings.
    for key in [k for k in os.environ if k.startswith("CANTINE_") and k not in stage_env]:
        del os.environ[key]
    os.environ.update(stage_env)
    # The stage's secrets are stack parameters, given to the functions at deployment: the
    # build signs and checks nothing, but the settings it imports want them present.
    for key in ("CANTINE_SIGNING_KEY", "CANTINE_ORIGIN_SECRET"):
        os.environ.setdefault(key, "placeholder-while-packaging-never-deployed")
    # chalice package insists on a region although it calls nothing; the template uses
    # AWS::Region, so any region builds the same artefacts.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")


def package(stage: str, out: Path = DEFAULT_OUT, size_limit: bool = True) -> dict[str, Any]:
    """Build ``out/deployment.zip`` and ``out/sam.json`` for ``stage``; returns the manifest.

    Over the size budget the artefacts are written all the same, then PackagingError.
    """
    if sys.version_info[:2] != (3, 11):
        raise PackagingError(f"le paquet se construit avec Python 3.11 ({PYTHON_RUNTIME})")
    stage_env = load_stage_env(stage)
    _prepare_environment(stage_env)
    deps = dependencies_dir()
    if out.exists():
        shutil.rmtree(out)
    # A staging copy of its own per build, so that two builds at once (test workers) never
    # share one.
    (BUILD / "stage").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD / "stage") as staging:
        chalice_package(stage_project(deps, Path(staging)), stage, out)
    zip_path, template_path = out / "deployment.zip", out / "sam.json"
    compile_and_rezip(zip_path)

    sys.path.insert(0, str(ROOT))
    from infra.template import merge
    chalice_template = json.loads(template_path.read_text(encoding="utf-8"))
    template = merge(chalice_template, stage, stage_env)
    template_path.write_text(json.dumps(template, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    # The optional firewall: a stack of its own in us-east-1 (scripts/release/deploy.py, Waf=on).
    from infra.template import waf_template
    (out / "waf.json").write_text(json.dumps(waf_template(stage), indent=1,
                                             ensure_ascii=False) + "\n", encoding="utf-8")
    data = zip_path.read_bytes()
    manifest = {"stage": stage, "runtime": PYTHON_RUNTIME, "zip_bytes": len(data),
                "zip_sha256": hashlib.sha256(data).hexdigest(),
                "excluded": sorted(EXCLUDED), "pure_python": list(PURE_PYTHON),
                "no_bytecode": list(LAZY_NO_BYTECODE)}
    (out / "package.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if size_limit and len(data) > MAX_ZIP_BYTES:
        raise PackagingError(f"deployment.zip pèse {len(data)} octets (> {MAX_ZIP_BYTES})")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda package and the template.")
    parser.add_argument("--stage", default=os.environ.get("STAGE", "prod"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-size-limit", action="store_true",
                        help="build even over 10 MB (the tests check the size on their own)")
    args = parser.parse_args(argv)
    try:
        manifest = package(args.stage, args.out.resolve(), not args.no_size_limit)
    except PackagingError as exc:
        print(f"échec : {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}/sam.json et deployment.zip ({manifest['zip_bytes'] / 1e6:.2f} Mo) "
          f"pour l'étape {manifest['stage']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
