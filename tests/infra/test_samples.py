"""``make samples`` writes a PES file of a demo month that the DGFiP schema accepts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "pes" / "PES_V2" / "Rev0" / "PES_Aller.xsd"


def test_make_samples_writes_a_valid_ormc_file_of_a_demo_month(tmp_path):
    # Run as make runs it: its own process, its own environment (moto's mock inside).
    result = subprocess.run([sys.executable, "-m", "scripts.local.samples", "--out",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (written,) = tmp_path.iterdir()
    assert written.name == "PESALR2_21690195200012_261201_001.xml"
    assert f"Écrit : {written}" in result.stdout
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
