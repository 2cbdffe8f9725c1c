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
cold = sorted({m.split(".")[0] for m in sys.modules}
              & {"fontTools", "fpdf", "PIL", "sepaxml", "schwifty", "pycountry"})

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
# Direct debit: schwifty without pycountry's translations, sepaxml without xmlschema.
from datetime import datetime, timezone
from chalicelib.domain.sepa import Debit, DirectDebitSettings, check_account
account = check_account("FR76 3000 6000 0112 3456 7890 189")
from chalicelib.domain.sepa_file import pain_008
debit_file = pain_008(DirectDebitSettings(
    enabled=True, creditor_name="Commune", creditor_id="FR72ZZZ123456",
    creditor_iban="FR7630001007941234567890185", creditor_bic="BDFEFRPPCCT"),
    [Debit("2026-11", "2026-000001", "1001", 550, date(2027, 1, 11), "RUM-1001-001",
           date(2026, 11, 2), "Claire Martin", account, "FRST")],
    message_id="PRLV-2026-11-01", created_at=datetime(2026, 12, 2, tzinfo=timezone.utc))
print(json.dumps({
    "cold": cold,
    "bic": account.bic, "debit_file": b"<MndtId>RUM-1001-001</MndtId>" in debit_file,
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
    # The PDF libraries load with the first invoice only, the debit ones with the first
    # mandate or debit file.
    assert probe["cold"] == []
    assert probe["bic"] == "AGRIFRPPXXX" and probe["debit_file"]
    assert probe["armistice_closed"] and probe["toussaint_closed"] and probe["school_day"]
    assert probe["argon2"]
    assert probe["pdf"] == "%PDF-" and probe["pdf_bytes"] > 1000
    assert probe["pil"] is False  # Pillow is left out: the invoice draws no image
