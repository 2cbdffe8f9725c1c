"""The e-mails' texts: what a parent or a secretary reads in their inbox."""
from __future__ import annotations

import pytest

from chalicelib.domain.collection import REGIE, TITRES
from chalicelib.mail import templates

SITE = "https://cantine.example.org"
FAMILY_TO = ("famille.test@example.org", "papa.test@example.org")

EVERY_MESSAGE = {
    "welcome_family": lambda: templates.welcome_family(FAMILY_TO, "TEST", "1001", "Provisoire-42", SITE),
    "credentials_again": lambda: templates.credentials_again(FAMILY_TO, "TEST", "1001",
                                                             f"{SITE}/reinitialiser.html#t", SITE),
    "welcome_staff": lambda: templates.welcome_staff("agent@example.org", "Claire", "Provisoire-42",
                                                     SITE),
    "password_reset": lambda: templates.password_reset("famille.test@example.org",
                                                       f"{SITE}/reinitialiser.html#t"),
    "email_confirmation": lambda: templates.email_confirmation("papa.test@example.org", "TEST",
                                                               f"{SITE}/confirmer-adresse.html#t"),
    "password_changed": lambda: templates.password_changed(FAMILY_TO),
    "invoice_ready": lambda: templates.invoice_ready(FAMILY_TO, "TEST", "2026-000001",
                                                     "novembre 2026", 550, SITE),
    "bookings_released": lambda: templates.bookings_released(
        FAMILY_TO, "TEST", "Grève", ["lundi 30 novembre 2026 : Repas (TOTO)"], SITE),
    "waiting_place_given": lambda: templates.waiting_place_given(
        FAMILY_TO, "TEST", "TOTO TEST", "30/11/2026", "Garderie soir", SITE),
    "draft_ready": lambda: templates.draft_ready(("mairie@example.org",), "novembre 2026", 3, 1650,
                                                 0, f"{SITE}/facturation.html"),
}


@pytest.mark.parametrize("name", sorted(EVERY_MESSAGE))
def test_every_message_is_signed_as_the_communes_service_and_asks_for_no_reply(name):
    message = EVERY_MESSAGE[name]()
    assert message.subject and message.subject[0].isupper()
    assert message.text.startswith("Bonjour")
    assert message.text.rstrip().endswith("merci de ne pas y répondre.")
    assert "{" not in message.text and "}" not in message.text  # no placeholder left over


def test_a_family_message_goes_to_each_of_its_addresses_and_nobody_else():
    assert EVERY_MESSAGE["invoice_ready"]().to == FAMILY_TO
    assert EVERY_MESSAGE["password_changed"]().to == FAMILY_TO
    assert EVERY_MESSAGE["email_confirmation"]().to == ("papa.test@example.org",)


def test_first_credentials_give_the_login_the_temporary_password_and_how_long_it_lasts():
    text = EVERY_MESSAGE["welcome_family"]().text
    assert "Identifiant : 1001" in text
    assert "Mot de passe provisoire : Provisoire-42" in text
    assert "valable 14 jours" in text
    assert f"{SITE}/connexion.html" in text


def test_credentials_sent_again_carry_a_link_and_never_a_password():
    text = EVERY_MESSAGE["credentials_again"]().text
    assert f"{SITE}/reinitialiser.html#t" in text
    assert "valable 7 jours" in text and "une seule fois" in text
    assert "Mot de passe provisoire" not in text


def test_the_reset_link_says_it_is_single_use_and_short_lived():
    text = EVERY_MESSAGE["password_reset"]().text
    assert f"{SITE}/reinitialiser.html#t" in text
    assert "valable une heure" in text and "une seule fois" in text


def test_a_regie_invoice_is_paid_online_and_its_amount_reads_in_euros():
    message = templates.invoice_ready(FAMILY_TO, "TEST", "2026-000001", "novembre 2026", 550,
                                      SITE, REGIE)
    assert message.subject == "Votre facture de novembre 2026 est disponible"
    assert "5,50 €" in message.text
    assert "payer en ligne" in message.text
    assert "avis des sommes à payer" not in message.text


def test_a_titres_invoice_announces_the_treasurys_notice_and_offers_no_online_payment():
    message = templates.invoice_ready(FAMILY_TO, "TEST", "2026-000001", "novembre 2026", 550,
                                      SITE, TITRES)
    assert "détail de facturation" in message.subject
    assert "avis des sommes à payer" in message.text
    assert "payfip.gouv.fr" in message.text
    assert "payer en ligne sur le portail" not in message.text


def test_released_days_are_each_listed_and_said_not_billed():
    message = templates.bookings_released(FAMILY_TO, "TEST", "Grève",
                                          ["lundi 30 novembre 2026 : Repas (TOTO)",
                                           "mardi 1 décembre 2026 : Repas (TOTO)"], SITE)
    assert "- lundi 30 novembre 2026 : Repas (TOTO)\n- mardi 1 décembre 2026 : Repas (TOTO)" \
        in message.text
    assert "ne vous seront pas facturés" in message.text
    assert "Grève" in message.text


@pytest.mark.parametrize(("blocking", "warned"), [(0, False), (2, True)])
def test_the_draft_mail_mentions_blocking_points_only_when_there_are_some(blocking, warned):
    text = templates.draft_ready(("mairie@example.org",), "novembre 2026", 3, 1650, blocking,
                                 f"{SITE}/facturation.html").text
    assert ("2 famille(s) présentent un point bloquant" in text) is warned
    assert "16,50 €" in text
    assert "Aucune facture n'est émise" in text


def test_a_per_day_reminder_names_its_one_day_and_each_childs_link():
    from datetime import UTC, date, datetime

    from chalicelib.mail.templates import booking_reminder
    mail = booking_reminder(("a@example.org",), "TEST", datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
                            (date(2026, 11, 30),), [("TOTO", "https://x/inscriptions.html?enfant=1001-1&semaine=2026-11-30"),
                                                    ("LILI", "https://x/inscriptions.html?enfant=1001-2&semaine=2026-11-30")])
    assert mail.subject == "Rappel : inscriptions à faire avant vendredi 27/11 09:00"
    assert "le lundi 30/11/2026 ferment vendredi 27/11 09:00" in mail.text
    assert "- TOTO : https://x/inscriptions.html?enfant=1001-1&semaine=2026-11-30" in mail.text
    assert "- LILI : " in mail.text
    assert "Vos informations" in mail.text


def test_a_place_from_the_waiting_list_names_the_child_day_and_service_and_how_to_give_it_up():
    message = EVERY_MESSAGE["waiting_place_given"]()
    assert message.to == FAMILY_TO
    assert message.subject == "Place confirmée : Garderie soir, 30/11/2026"
    assert "TOTO TEST (Garderie soir, 30/11/2026)" in message.text
    assert "liste d'attente" in message.text and "maintenant confirmée" in message.text
    assert f"{SITE}/inscriptions.html" in message.text
