"""``make bench-package``: the Lambda package's size and the cold import of ``app``.

The zip is unpacked into a temporary directory that plays Lambda's ``/var/task``, and
Python runs without its site-packages (``-S``): the only modules it finds are the
package's, the standard library and, in a second directory playing the runtime's
``/var/runtime``, boto3, botocore and their dependencies (from this virtualenv: they are
left out of the package because the runtime ships them). Nothing is written
(``PYTHONDONTWRITEBYTECODE``, as /var/task is read-only): the only .pyc files are those
the package ships. Each run is a fresh interpreter with the stage's environment; the
median counts. Budgets: 10 MB zipped, 300 ms of import. Prints numbers; exits 1 over.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "build" / "chalice"
MAX_ZIP_BYTES = 10_000_000  # "10 MB", read strictly
MAX_IMPORT_MS = 300.0
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3")

PROBE = """
import json, sys, time
start = time.perf_counter()
import app
elapsed = (time.perf_counter() - start) * 1000
import botocore, pynamodb
print(json.dumps({"ms": elapsed, "app": app.__file__, "pynamodb": pynamodb.__file__,
                  "botocore": botocore.__file__, "modules": len(sys.modules)}))
"""


def stage_environment(stage: str) -> dict[str, str]:
    """The function's variables for ``stage`` (from .chalice/config.json), no CANTINE_NOW."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text("utf-8"))
    variables = dict(config.get("environment_variables", {}))
    variables.update(config["stages"][stage].get("environment_variables", {}))
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("CANTINE_", "PYTHON"))}
    environment.update(variables)
    environment["AWS_DEFAULT_REGION"] = "eu-west-3"
    if stage != "local":
        # The stack's secrets (stack parameters, scripts/release/deploy.py): stand-ins of the
        # required length, so that the settings load as they do in the function.
        environment.setdefault("CANTINE_SIGNING_KEY", "x" * 43)
        environment.setdefault("CANTINE_ORIGIN_SECRET", "y" * 43)
    return environment


@contextlib.contextmanager
def lambda_like(zip_path: Path, stage: str) -> Iterator[tuple[list[str], dict[str, str], Path]]:
    """(python command, environment, task dir) that see only the package and the SDK."""
    with tempfile.TemporaryDirectory() as tmp:
        task_dir, runtime_dir = Path(tmp) / "task", Path(tmp) / "runtime"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(task_dir)
        runtime_dir.mkdir()
        for name in RUNTIME_SDK:
            spec = importlib.util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                raise SystemExit(f"{name} manque dans l'environnement virtuel")
            (runtime_dir / name).symlink_to(spec.submodule_search_locations[0])
        environment = stage_environment(stage)
        environment.update({"PYTHONPATH": f"{task_dir}{os.pathsep}{runtime_dir}",
                            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"})
        yield [sys.executable, "-S"], environment, task_dir


def measure(zip_path: Path, stage: str, runs: int) -> tuple[list[float], dict[str, str]]:
    """Import times in ms, one fresh interpreter each, and where the modules came from."""
    with lambda_like(zip_path, stage) as (python, environment, task_dir):
        times, where = [], {}
        for _ in range(runs):
            result = subprocess.run([*python, "-c", PROBE], cwd=task_dir, env=environment,
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"import app a échoué :\n{result.stderr}")
            probe = json.loads(result.stdout.strip().splitlines()[-1])
            times.append(probe.pop("ms"))
            where = probe
        if not where["app"].startswith(str(task_dir)):
            raise SystemExit(f"app importé hors du paquet : {where['app']}")
        return times, where


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default=os.environ.get("STAGE", "prod"))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--package-dir", type=Path, default=PACKAGE_DIR)
    args = parser.parse_args(argv)
    zip_path = args.package_dir / "deployment.zip"
    if not zip_path.exists():
        print("build/chalice/deployment.zip manque : lancez make package", file=sys.stderr)
        return 1
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    size = zip_path.stat().st_size
    times, where = measure(zip_path, args.stage, args.runs)
    median = statistics.median(times)
    print(f"Paquet Lambda : {size / 1e6:.2f} Mo compressé ({size} octets ; budget "
          f"{MAX_ZIP_BYTES / 1e6:.0f} Mo), {unzipped / 1e6:.1f} Mo décompressé")
    print(f"Import à froid de app (étape {args.stage}, {args.runs} processus neufs) : "
          f"médiane {median:.0f} ms (min {min(times):.0f}, max {max(times):.0f} ; "
          f"budget {MAX_IMPORT_MS:.0f} ms), {where['modules']} modules chargés")
    print(f"  pynamodb : {where['pynamodb']}\n  botocore (le runtime) : {where['botocore']}")
    return 1 if size > MAX_ZIP_BYTES or median > MAX_IMPORT_MS else 0


if __name__ == "__main__":
    sys.exit(main())
