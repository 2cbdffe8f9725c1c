"""The trimmed Lambda package works on its own: only its files, the standard library and
the runtime's SDK on the path (scripts/bench/bench_package.py's Lambda-like interpreter)."""
from __future__ import annotations

import json
import subprocess

from scripts.bench.bench_package import lambda_like

PROBE = r"""
import json, sys
from datetime import date
import app
cold = sorted({m.split(".")[0] for m in sys.modules} & {"fontTools", "fpdf", "PIL"})

from chalicelib.domain.calendar import SchoolCalendar
calendar = SchoolCalendar((1, 2, 4, 5), "A")
from chalicelib.services.security import hash_password, verify_password
from chalicelib.documents.invoice_pdf import InvoiceDocument, PdfLine, render_invoice
line = PdfLine("LÉA TEST", "Repas", 17, 415, 7055)
pdf = render_invoice(InvoiceDocument(
    commune_name="Commune de démonstration", commune_address="Mairie\n69870 Saint-Just",
    family_number="1001", family_name="M. et Mme TEST", family_address="12 rue des Écoles",
    number="2026-000042", month="2026-11", issued_on=date(2026, 12, 3), lines=(line,),
    total_cents=7055, balance_cents=7055, payment_help="PayFip, chèque ou espèces (€)."))
print(json.dumps({
    "cold": cold,
    "armistice_closed": not calendar.is_school_day(date(2026, 11, 11)),
    "toussaint_closed": not calendar.is_school_day(date(2026, 10, 20)),
    "school_day": calendar.is_school_day(date(2026, 11, 12)),
    "argon2": verify_password(hash_password("un mot de passe assez long"),
                              "un mot de passe assez long"),
    "pdf": pdf[:5].decode("latin-1"), "pdf_bytes": len(pdf),
    "pil": "PIL" in sys.modules,
}))
"""


def test_the_package_runs_alone_with_only_the_runtime_sdk(packaged):
    with lambda_like(packaged.zip_path, "prod") as (python, environment, task_dir):
        result = subprocess.run([*python, "-c", PROBE], cwd=task_dir, env=environment,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["cold"] == []  # the PDF libraries load with the first invoice only
    assert probe["armistice_closed"] and probe["toussaint_closed"] and probe["school_day"]
    assert probe["argon2"]
    assert probe["pdf"] == "%PDF-" and probe["pdf_bytes"] > 1000
    assert probe["pil"] is False  # Pillow is left out: the invoice draws no image
