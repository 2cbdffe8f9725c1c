"""The journal's French lines: every kind of entry reads as a sentence, never as a code."""
from __future__ import annotations

import pytest

from chalicelib.domain.journal import Names, describe

NAMES = Names(families={"1002": "DUPONT"}, children={"1002-1": "Léa Dupont"},
              services={"meal": "Repas", "care_evening": "Garderie soir"})


@pytest.mark.parametrize("action, target, before, after, expected", [
    ("pointage", "1002-1 2026-12-10 meal", None,
     {"date": "2026-12-10", "service": "meal", "status": "absent", "justified": False},
     "Pointage – Léa Dupont – jeudi 10/12 – Repas : absence"),
    ("pointage", "1002-1 2026-12-10 care_evening", None,
     {"date": "2026-12-10", "service": "care_evening", "status": "present",
      "departure": "18:42", "late_minutes": 12},
     "Pointage – Léa Dupont – jeudi 10/12 – Garderie soir : présence, départ 18:42, retard 12 min"),
    ("pointage", "1002-1 2026-12-10 meal", None,
     {"status": "absent", "justified": True, "reason": "certificat"},
     "Pointage – Léa Dupont – jeudi 10/12 – Repas : absence justifiée (certificat)"),
    ("famille.création", "1002", None, {"name": "DUPONT"}, "Famille créée – famille n° 1002 DUPONT"),
    ("famille.modification", "1002", {"phones": [], "address": "a"},
     {"phones": ["06"], "address": "a"}, "Famille modifiée – famille n° 1002 DUPONT : téléphones"),
    ("famille.informations", "1002", {"address": "a"}, {"address": "b"},
     "Informations modifiées par la famille – famille n° 1002 DUPONT : adresse"),
    ("famille.archivage", "1002", {"archived": False}, {"archived": True},
     "Famille archivée – famille n° 1002 DUPONT"),
    ("famille.réactivation", "1002", None, None, "Famille réactivée – famille n° 1002 DUPONT"),
    ("famille.identifiants", "1002", None, {"envoyés": True},
     "Identifiants renvoyés par courriel – famille n° 1002 DUPONT"),
    ("enfant.création", "1002-1", None, {"first_name": "Léa", "last_name": "Dupont"},
     "Enfant ajouté – Léa Dupont (famille n° 1002 DUPONT)"),
    ("enfant.archivage", "1002-1", {"archived": False}, {"archived": True},
     "Enfant archivé – Léa Dupont (famille n° 1002 DUPONT)"),
    ("enfant.modification", "1002-1", {"allergies": ""}, {"allergies": "arachide"},
     "Enfant modifié – Léa Dupont (famille n° 1002 DUPONT) : allergies (PAI)"),
    ("personnel.création", "a@example.org", None, {"name": "Anne", "role": "agent"},
     "Compte du personnel créé – Anne (a@example.org), rôle agent"),
    ("personnel.suppression", "a@example.org", {"name": "Anne", "role": "kitchen"}, None,
     "Compte du personnel supprimé – Anne (a@example.org), rôle cuisine"),
    ("paramètres.modification", "commune", {}, {}, "Paramètres de la commune modifiés"),
    ("fermeture.création", "3", None, {"label": "Grève", "start": "2026-12-03",
                                       "end": "2026-12-03"},
     "Fermeture ajoutée – Grève – du 03/12/2026 au 03/12/2026"),
    ("fermeture.suppression", "3", None, None, "Fermeture supprimée – 3"),
    ("verrouillage", "run-1", None, {"frozen_count": 4},
     "Verrouillage des inscriptions lancé – 4 créneau(x) figé(s)"),
    ("menu.publication", "2026-12-07", None, {"week": "2026-12-07"},
     "Menu publié – semaine du lundi 07/12"),
    ("tarif.création", "meal 2027-01-01", None, {"service": "meal",
                                                 "effective_from": "2027-01-01"},
     "Tarif ajouté – Repas – à partir du 01/01/2027"),
    ("paiement", "1002", None, {"credit_cents": 1250, "method": "cheque"},
     "Paiement enregistré – famille n° 1002 DUPONT – 12,50 € (chèque)"),
    ("avoir", "2026-000012", None, {"invoice": "2026-000012", "credit_cents": 700},
     "Avoir émis – facture 2026-000012 – 7,00 €"),
    ("trop-perçu", "x", {"status": "open"}, {"status": "refunded", "family": "1002",
                                             "amount_cents": 300},
     "Trop-perçu remboursé – famille n° 1002 DUPONT – 3,00 €"),
    ("facturation.pré-facturation", "2026-11", None, {"started": True},
     "Pré-facturation calculée – novembre 2026"),
    ("facturation.validation", "2026-11", None, {}, "Facturation validée – novembre 2026"),
    ("POST /staff/closures/{closure_id}", "closure_id=3", None, None,
     "Ajout – /staff/closures/{closure_id} – closure_id=3"),
])
def test_every_kind_of_entry_has_a_french_line(action, target, before, after, expected):
    assert describe(action, target, before, after, NAMES) == expected


def test_a_child_whose_family_is_gone_is_named_by_its_id():
    assert describe("pointage", "9999-1 2026-12-10 meal", None, {"status": "present"},
                    Names()) == "Pointage – enfant 9999-1 – jeudi 10/12 – meal : présence"
