"""Reading the accountant's acknowledgement (PES_ACQUIT) of a titres de recette file.

The samples are written by hand from the DGFiP schema PES_V2_Acquit_Autonome_V2.xsd and
validated against it first, so the reader is tested on what Hélios may really send.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pes import read_acknowledgement

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "pes" / "PES_V2" / "Rev0"

HEAD = """<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2">
  <Enveloppe>
    <Parametres>
      <Version V="2"/>
      <TypFic V="PESACQUIT"/>
      <NomFic V="ACQUIT_PESALR2_21690195200012_261203_012.xml"/>
    </Parametres>
    <Emetteur>
      <Sigle V="DGFIP"/>
      <Adresse V="HELIOS"/>
    </Emetteur>
  </Enveloppe>
  <EnTetePES>
    <DteStr V="2026-12-04"/>
    <IdPost V="069041"/>
    <IdColl V="21690195200012"/>
    <CodCol V="067"/>
    <CodBud V="00"/>
  </EnTetePES>
  <ACQUIT>
    <EnTeteAcquit>
      <IdVer V="2"/>
    </EnTeteAcquit>
"""
TAIL = """  </ACQUIT>
</n:PES_ACQUIT>
"""

ACCEPTED = (HEAD + """    <ElementACQUIT>
      <DomaineAck V="7"/>
      <EtatAck V="1"/>
      <NumBord V="12"/>
      <ExerciceBord V="2026"/>
    </ElementACQUIT>
""" + TAIL).encode("latin-1")

REJECTED = (HEAD + """    <ElementACQUIT>
      <DomaineAck V="7"/>
      <EtatAck V="0"/>
      <NumBord V="12"/>
      <ExerciceBord V="2026"/>
      <Erreur>
        <NumAnoAck V="ERREUR_CUMUL_MONTANTS"/>
        <LibelleAnoAck V="Le montant du rôle ne correspond pas à la somme des articles."/>
      </Erreur>
      <DetailPiece>
        <NumPiece V="42"/>
        <DetailLigne>
          <NumLigne V="2"/>
          <Erreur>
            <NumAnoAck V="ERREUR_CODIFICATION"/>
            <LibelleAnoAck V="Code produit local GARD inconnu dans Hélios."/>
          </Erreur>
        </DetailLigne>
      </DetailPiece>
    </ElementACQUIT>
    <ElementACQUIT>
      <DomaineAck V="0"/>
      <EtatAck V="false"/>
      <Erreur>
        <NumAnoAck V="ERREUR_DOUBLON_PIECE"/>
      </Erreur>
    </ElementACQUIT>
""" + TAIL).encode("latin-1")


@pytest.fixture(scope="module")
def acquit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_V2_Acquit_Autonome_V2.xsd")))


@pytest.mark.parametrize("sample", [ACCEPTED, REJECTED], ids=["accepted", "rejected"])
def test_the_hand_written_samples_are_valid_acknowledgements(acquit_schema, sample):
    acquit_schema.assertValid(etree.fromstring(sample))


def test_an_accepted_roll_reads_as_accepted_with_no_reason():
    ack = read_acknowledgement(ACCEPTED)
    assert ack.accepted is True
    assert ack.file_name == "ACQUIT_PESALR2_21690195200012_261203_012.xml"
    assert ack.emitted_on == date(2026, 12, 4)
    assert ack.reasons == ()
    (element,) = ack.elements
    assert (element.domain, element.domain_label) == ("7", "Rôle")
    assert (element.accepted, element.exercice, element.bordereau) == (True, 2026, 12)
    assert ack.bordereau_accepted(2026, 12) is True
    assert ack.bordereau_accepted(2026, 13) is None  # not in this acknowledgement


def test_a_rejected_roll_reads_as_rejected_with_its_reasons_by_titre_and_line():
    ack = read_acknowledgement(REJECTED)
    assert ack.accepted is False
    assert ack.bordereau_accepted(2026, 12) is False
    roll, technical = ack.elements
    assert roll.errors[0].code == "ERREUR_CUMUL_MONTANTS"
    (piece,) = roll.pieces
    assert (piece.number, piece.errors) == (42, ())
    (line,) = piece.lines
    assert line.number == 2
    assert line.errors[0].message == "Code produit local GARD inconnu dans Hélios."
    assert (technical.domain_label, technical.accepted, technical.bordereau) \
        == ("Technique", False, None)
    assert ack.reasons == (
        "Rôle 12 (exercice 2026) : Le montant du rôle ne correspond pas à la somme des "
        "articles. [ERREUR_CUMUL_MONTANTS]",
        "Rôle 12 (exercice 2026), titre 42, ligne 2 : Code produit local GARD inconnu dans "
        "Hélios. [ERREUR_CODIFICATION]",
        "Technique : ERREUR_DOUBLON_PIECE",
    )


def test_a_rejection_without_any_error_still_gives_a_reason():
    sample = ACCEPTED.replace(b'<EtatAck V="1"/>', b'<EtatAck V="0"/>')
    ack = read_acknowledgement(sample)
    assert ack.accepted is False
    assert ack.reasons == ("Rôle 12 (exercice 2026) : rejeté sans motif indiqué",)


def test_the_first_version_of_the_acknowledgement_is_read_too():
    v1 = ACCEPTED.replace(b"/Rev0/retour/v2", b"/Rev0/retour")
    assert read_acknowledgement(v1).accepted is True


def test_a_utf_8_acknowledgement_is_read_as_well():
    sample = REJECTED.decode("latin-1").replace("ISO-8859-1", "UTF-8").encode("utf-8")
    ack = read_acknowledgement(sample)
    assert "Hélios" in ack.reasons[1]


@pytest.mark.parametrize("data", [
    b"",
    b"not xml",
    b'<?xml version="1.0"?><n:PES_Aller xmlns:n="x"/>',
    ACCEPTED.replace(b'<EtatAck V="1"/>', b'<EtatAck V="peut-etre"/>'),
    ACCEPTED.replace(b'<NumBord V="12"/>', b'<NumBord V="douze"/>'),
    (HEAD + TAIL).encode("latin-1"),  # no ElementACQUIT
], ids=["empty", "text", "other-root", "bad-state", "bad-number", "no-element"])
def test_a_file_that_is_not_an_acknowledgement_is_refused_clearly(data):
    with pytest.raises(ValidationError) as error:
        read_acknowledgement(data)
    assert error.value.field == "acknowledgement"


def test_entities_are_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE n:PES_ACQUIT [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + ACCEPTED.split(b"?>", 1)[1]
            .replace(b'V="DGFIP"', b'V="&b;"'))
    # Hélios writes no DTD: a file declaring entities is refused, never expanded.
    with pytest.raises(ValidationError) as refused:
        read_acknowledgement(bomb)
    assert refused.value.code == "invalid_acknowledgement"
