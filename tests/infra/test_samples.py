"""``make samples`` writes a PES file and a pain.008 direct-debit file of a demo month
that the DGFiP and ISO 20022 schemas accept."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "pes" / "PES_V2" / "Rev0" / "PES_Aller.xsd"
PAIN_008 = ROOT / "tests" / "data" / "sepa" / "pain.008.001.08.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}


def test_make_samples_writes_a_valid_ormc_file_of_a_demo_month(tmp_path):
    # Run as make runs it: its own process, its own environment (moto's mock inside).
    result = subprocess.run([sys.executable, "-m", "scripts.local.samples", "--out",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    written, debits = sorted(tmp_path.iterdir())
    assert written.name == "PESALR2_21690195200012_261201_001.xml"
    assert f"Écrit : {written}" in result.stdout
    # The régie's debit file: the demo family's mandate, signed online, its first debit.
    assert debits.name == "prelevements-2026-11-PRLV-2026-11-01.xml"
    assert f"Écrit : {debits}" in result.stdout
    pain = etree.parse(str(debits))
    etree.XMLSchema(etree.parse(str(PAIN_008))).assertValid(pain)
    assert pain.findtext(".//p:SeqTp", namespaces=NS) == "FRST"
    assert pain.findtext(".//p:InstdAmt", namespaces=NS) == "5.50"
    assert pain.findtext(".//p:MndtId", namespaces=NS) == "RUM-1001-001"
    doc = etree.parse(str(written))
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(doc)
    root = doc.getroot()
    assert root.find("Enveloppe/Parametres/TypFic").get("V") == "PESORMC"
    assert root.find("PES_RecetteAller/Bordereau/BlocBordereau/TypBord").get("V") == "06"
    assert root.find("PES_RecetteAller/Bordereau/BlocBordereau/MtBordHt").get("V") == "5.50"
    assert doc.docinfo.encoding == "ISO-8859-1"


def test_the_makefile_has_a_samples_target():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "\nsamples: " in makefile and "scripts.local.samples" in makefile
