"""The texts of the e-mails, in French."""
from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain.collection import REGIE, TITRES
from chalicelib.domain.deadlines import WEEKDAYS_FR, short_deadline
from chalicelib.domain.money import money
from chalicelib.domain.reminders import Receipt
from chalicelib.domain.treasury import TITRES_PAYMENT_HELP
from chalicelib.mail.sender import Message

_SIGNATURE = "\n\n-- \nService cantine et périscolaire de votre commune\n" \
             "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"


def welcome_family(to: tuple[str, ...], name: str, number: str, password: str,
                   site_url: str) -> Message:
    """First credentials of a new family."""
    text = (
        f"Bonjour,\n\n"
        f"Le compte de la famille {name} a été créé sur le portail de la cantine et "
        f"du périscolaire : {site_url}/connexion.html\n\n"
        f"Identifiant : {number}\n"
        f"Mot de passe provisoire : {password}\n\n"
        f"Ce mot de passe provisoire est valable 14 jours. À votre première connexion, "
        f"vous choisirez votre propre mot de passe.\n"
        f"Vous pouvez aussi vous connecter avec votre adresse e-mail."
        + _SIGNATURE)
    return Message(to, "Vos identifiants pour la cantine et le périscolaire", text)


def credentials_again(to: tuple[str, ...], name: str, number: str, link: str,
                      site_url: str) -> Message:
    """The family's credentials sent again by the town hall: a link, not a new password."""
    text = (
        f"Bonjour,\n\n"
        f"À votre demande, la mairie vous renvoie vos identifiants pour le portail de la "
        f"cantine et du périscolaire de la famille {name} : {site_url}/connexion.html\n\n"
        f"Identifiant : {number}\n"
        f"(vous pouvez aussi vous connecter avec votre adresse e-mail)\n\n"
        f"Si vous connaissez votre mot de passe, il reste valable : rien ne change.\n"
        f"Sinon, choisissez-en un nouveau en ouvrant ce lien (valable 7 jours, utilisable "
        f"une seule fois) :\n\n{link}\n\n"
        f"Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste "
        f"inchangé." + _SIGNATURE)
    return Message(to, "Rappel de vos identifiants pour la cantine et le périscolaire", text)


def welcome_staff(email: str, name: str, password: str, site_url: str) -> Message:
    """First credentials of a staff member."""
    text = (
        f"Bonjour {name},\n\n"
        f"Un compte vous a été ouvert sur la console du personnel : {site_url}/connexion.html\n\n"
        f"Identifiant : {email}\n"
        f"Mot de passe provisoire : {password}\n\n"
        f"Ce mot de passe provisoire est valable 14 jours et devra être changé à la "
        f"première connexion." + _SIGNATURE)
    return Message((email,), "Votre compte sur la console du personnel", text)


def password_reset(email: str, link: str) -> Message:
    """The single-use reset link."""
    text = (
        "Bonjour,\n\n"
        "Une demande de réinitialisation du mot de passe a été faite pour votre compte.\n"
        f"Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, "
        f"utilisable une seule fois) :\n\n{link}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
        "votre mot de passe reste inchangé." + _SIGNATURE)
    return Message((email,), "Réinitialisation de votre mot de passe", text)


def email_confirmation(email: str, family_name: str, link: str) -> Message:
    """The link that makes a new second address the family's."""
    text = (
        "Bonjour,\n\n"
        f"La famille {family_name} demande à ajouter cette adresse à son compte sur le "
        "portail de la cantine et du périscolaire : elle recevra ses courriels et pourra "
        "servir à se connecter.\n\n"
        f"Pour confirmer, ouvrez ce lien (valable 24 heures) :\n\n{link}\n\n"
        "Si vous ne connaissez pas cette famille, ignorez ce message : l'adresse ne sera "
        "pas ajoutée." + _SIGNATURE)
    return Message((email,), "Confirmez votre adresse e-mail", text)


def password_changed(to: tuple[str, ...]) -> Message:
    """Warns the owner that the password changed, in case it was not them."""
    text = (
        "Bonjour,\n\n"
        "Le mot de passe de votre compte vient d'être modifié.\n"
        "Si vous n'êtes pas à l'origine de ce changement, utilisez « Mot de passe oublié ? » "
        "sur la page de connexion et prévenez la mairie." + _SIGNATURE)
    return Message(to, "Votre mot de passe a été modifié", text)


def invoice_ready(to: tuple[str, ...], name: str, number: str, month: str, total_cents: int,
                  site_url: str, collection: str = REGIE, by_debit: bool = False) -> Message:
    """A new invoice can be read and paid online; in titres mode, a détail de facturation
    that the Treasury's avis des sommes à payer will follow; paid by direct debit, nothing
    to do (its date and amount come in their own e-mail)."""
    if by_debit:
        what = "Le détail de facturation" if collection == TITRES else "La facture"
        text = (
            f"Bonjour,\n\n"
            f"{what} n° {number} de la famille {name} pour {month} est disponible : "
            f"{money(total_cents)}.\n\n"
            f"Elle sera payée par prélèvement automatique, selon votre mandat : vous recevez "
            f"la date et le montant du prélèvement dans un courriel à part. Il n'y a rien à "
            f"payer en ligne.\n\n"
            f"Vous pouvez la consulter et la télécharger sur le portail : "
            f"{site_url}/factures.html" + _SIGNATURE)
        return Message(to, f"Votre facture de {month} est disponible", text)
    if collection == TITRES:
        text = (
            f"Bonjour,\n\n"
            f"Le détail de facturation n° {number} de la famille {name} pour {month} est "
            f"disponible : {money(total_cents)}.\n\n"
            f"{TITRES_PAYMENT_HELP}\n\n"
            f"Vous pouvez le consulter et le télécharger sur le portail : "
            f"{site_url}/factures.html" + _SIGNATURE)
        return Message(to, f"Votre détail de facturation de {month} est disponible", text)
    text = (
        f"Bonjour,\n\n"
        f"La facture n° {number} de la famille {name} pour {month} est disponible : "
        f"{money(total_cents)}.\n\n"
        f"Vous pouvez la consulter, la télécharger et la payer en ligne sur le portail : "
        f"{site_url}/factures.html" + _SIGNATURE)
    return Message(to, f"Votre facture de {month} est disponible", text)


def bookings_released(to: tuple[str, ...], name: str, reason: str, days: list[str],
                      site_url: str) -> Message:
    """The commune cancelled booked days (a closure, a day or service withdrawn)."""
    listed = "\n".join(f"- {line}" for line in days)
    text = (
        f"Bonjour,\n\n"
        f"La commune a annulé des réservations de la famille {name} : {reason}.\n\n"
        f"Jours annulés (ils ne vous seront pas facturés) :\n{listed}\n\n"
        f"Vos inscriptions en cours sont à jour sur le portail : {site_url}/index.html"
        + _SIGNATURE)
    return Message(to, "Des réservations ont été annulées par la commune", text)


def waiting_place_given(to: tuple[str, ...], name: str, child: str, day: str, service: str,
                        site_url: str) -> Message:
    """A place freed on a day with a waiting list went to this family's child."""
    text = (
        f"Bonjour,\n\n"
        f"Une place s'est libérée : l'inscription de {child} ({service}, {day}), qui était "
        f"sur liste d'attente, est maintenant confirmée pour la famille {name}.\n\n"
        f"Si vous n'en avez plus besoin, annulez-la sur le portail avant la date limite, "
        f"pour la laisser à la famille suivante : {site_url}/inscriptions.html"
        + _SIGNATURE)
    return Message(to, f"Place confirmée : {service}, {day}", text)


_MANDATE_NEWS = {
    "signature": ("Votre mandat de prélèvement est enregistré",
                  "Le mandat de prélèvement SEPA de la famille {name} est enregistré : vos "
                  "factures seront prélevées sur ce compte. Le montant et la date de chaque "
                  "prélèvement vous seront communiqués par courriel avant le prélèvement."),
    "saisie_papier": ("Votre mandat de prélèvement est enregistré",
                      "La mairie a enregistré le mandat de prélèvement SEPA papier de la "
                      "famille {name} : vos factures seront prélevées sur ce compte."),
    "changement_de_compte": ("Le compte de votre prélèvement a changé",
                             "Le mandat de prélèvement de la famille {name} porte désormais "
                             "sur ce compte ; sa référence ne change pas."),
    "suspension": ("Votre prélèvement automatique est suspendu",
                   "La mairie a suspendu le mandat de prélèvement de la famille {name} : "
                   "aucun prélèvement ne sera fait tant qu'il est suspendu. Payez vos "
                   "factures par un autre moyen ou contactez la mairie."),
    "reprise": ("Votre prélèvement automatique reprend",
                "Le mandat de prélèvement de la famille {name} est de nouveau actif : vos "
                "prochaines factures seront prélevées."),
    "révocation": ("Votre prélèvement automatique est arrêté",
                   "Le mandat de prélèvement de la famille {name} est révoqué : plus aucune "
                   "facture ne sera prélevée sur ce compte. Payez vos factures par un autre "
                   "moyen, ou signez un nouveau mandat dans « Vos informations »."),
}


def mandate_changed(to: tuple[str, ...], name: str, event: str, reference: str, holder: str,
                    iban_masked: str, reason: str, site_url: str) -> Message:
    """A mandate signed, entered, moved to another account, suspended, resumed or revoked;
    the IBAN masked, as everywhere but the debit files."""
    subject, news = _MANDATE_NEWS[event]
    why = f"\nMotif : {reason}" if reason and event in ("suspension", "révocation") else ""
    text = (
        f"Bonjour,\n\n"
        f"{news.format(name=name)}\n\n"
        f"Référence unique du mandat (RUM) : {reference}\n"
        f"Titulaire du compte : {holder}\n"
        f"IBAN : {iban_masked}{why}\n\n"
        f"Le mandat est consultable et téléchargeable dans « Vos informations » : "
        f"{site_url}/informations.html\n\n"
        f"Si vous n'êtes pas à l'origine de ce changement, prévenez la mairie sans tarder."
        + _SIGNATURE)
    return Message(to, subject, text)


def draft_ready(to: tuple[str, ...], month: str, to_issue: int, total_cents: int,
                blocking: int, link: str) -> Message:
    """The month's draft invoices wait for staff's review and confirmation."""
    blocked = (f"\n{blocking} famille(s) présentent un point bloquant à corriger avant la "
               f"validation." if blocking else "")
    text = (
        f"Bonjour,\n\n"
        f"La pré-facturation de {month} est prête : {to_issue} facture(s) pour "
        f"{money(total_cents)}.{blocked}\n\n"
        f"Relisez-la puis validez-la dans la console, rubrique « Facturation » : {link}\n"
        f"Aucune facture n'est émise ni envoyée aux familles avant votre validation."
        + _SIGNATURE)
    return Message(to, f"Pré-facturation de {month} à valider", text)


def _day(day: date) -> str:
    return f"{WEEKDAYS_FR[day.isoweekday() - 1]} {day:%d/%m/%Y}"


def booking_reminder(to: tuple[str, ...], name: str, deadline: datetime, days: tuple[date, ...],
                     children: list[tuple[str, str]]) -> Message:
    """Before a deadline: these children have nothing (or far less than usual) booked."""
    period = (f"le {_day(days[0])}" if len(days) == 1
              else f"du {_day(days[0])} au {_day(days[-1])}")
    listed = "\n".join(f"- {first_name} : {link}" for first_name, link in children)
    text = (
        f"Bonjour,\n\n"
        f"Les inscriptions à la cantine et au périscolaire {period} ferment "
        f"{short_deadline(deadline)}.\n"
        f"Pour l'instant, rien ou presque n'est réservé pour :\n{listed}\n\n"
        f"Si c'est voulu, il n'y a rien à faire. Sinon, ouvrez le lien de l'enfant pour "
        f"réserver avant cette date limite.\n\n"
        f"Famille {name} : vous pouvez ne plus recevoir ces rappels dans « Vos informations »."
        + _SIGNATURE)
    return Message(to, f"Rappel : inscriptions à faire avant {short_deadline(deadline)}", text)


def booking_receipt(to: tuple[str, ...], name: str, child_name: str, summary: Receipt,
                    labels: dict[str, str], site_url: str) -> Message:
    """After a save: the days and services added and removed for one child."""
    def lines(title: str, entries, until: str) -> str:
        if not entries:
            return ""
        listed = "\n".join(
            f"- {_day(e.day)} : {', '.join(labels.get(s, s) for s in e.services)} "
            f"({until} {short_deadline(e.deadline)})" for e in entries)
        return f"{title} :\n{listed}\n\n"
    text = (
        f"Bonjour,\n\n"
        f"Les inscriptions de {child_name} (famille {name}) ont été enregistrées.\n\n"
        + lines("Ajouté", summary.added, "annulable jusqu'au")
        + lines("Retiré", summary.removed, "réservable jusqu'au")
        + f"« Inscriptions en cours » reste la référence : {site_url}/index.html\n\n"
        f"Vous pouvez ne plus recevoir ce récapitulatif dans « Vos informations »."
        + _SIGNATURE)
    return Message(to, f"Récapitulatif des inscriptions de {child_name}", text)


def debit_notice(to: tuple[str, ...], name: str, invoice: str, month: str, amount_cents: int,
                 day: date, rum: str, creditor: str, creditor_id: str,
                 site_url: str) -> Message:
    """The pre-notification of a direct debit: its amount and date, before it happens."""
    text = (
        f"Bonjour,\n\n"
        f"La facture n° {invoice} de la famille {name} pour {month} sera payée par "
        f"prélèvement automatique :\n"
        f"- montant : {money(amount_cents)}\n"
        f"- date du prélèvement : {day.strftime('%d/%m/%Y')}\n"
        f"- référence du mandat (RUM) : {rum}\n"
        f"- créancier : {creditor} (identifiant créancier SEPA {creditor_id})\n\n"
        f"Veillez à ce que votre compte soit approvisionné à cette date. Il n'y a rien à "
        f"payer en ligne pour cette facture.\n\n"
        f"Vos factures : {site_url}/factures.html" + _SIGNATURE)
    return Message(to, f"Prélèvement du {day.strftime('%d/%m/%Y')} : {money(amount_cents)}",
                   text)


def debit_rejected(to: tuple[str, ...], name: str, invoice: str, amount_cents: int,
                   day: date, reason: str, *, suspended: bool, titres: bool,
                   site_url: str) -> Message:
    """A debit the family's bank rejected: the invoice is due again."""
    how = ("Le Trésor public vous indiquera comment régler ce titre (avis des sommes à "
           "payer)." if titres else
           f"Elle est de nouveau à payer : en ligne sur {site_url}/factures.html, ou à la "
           f"mairie.")
    stopped = ("\n\nAprès ce rejet, votre mandat de prélèvement est suspendu : les "
               "prochaines factures ne seront pas prélevées tant que la mairie ne l'aura pas "
               "réactivé. Vous pouvez indiquer un autre compte dans « Vos informations »."
               if suspended else "")
    text = (
        f"Bonjour,\n\n"
        f"Votre banque a rejeté le prélèvement du {day.strftime('%d/%m/%Y')} "
        f"({money(amount_cents)}) de la facture n° {invoice} de la famille {name}.\n"
        f"Motif donné par la banque : {reason}.\n\n{how}{stopped}" + _SIGNATURE)
    return Message(to, f"Prélèvement rejeté : facture n° {invoice}", text)


def debit_cancelled(to: tuple[str, ...], name: str, invoice: str, day: date, *, titres: bool,
                    site_url: str) -> Message:
    """An announced debit that will not take place (mandate stopped, invoice settled)."""
    how = ("Le Trésor public vous enverra l'avis des sommes à payer, avec la façon de le "
           "régler." if titres else
           f"S'il reste un montant à payer, vous pouvez le régler en ligne sur "
           f"{site_url}/factures.html, ou à la mairie.")
    text = (
        f"Bonjour,\n\n"
        f"Le prélèvement annoncé pour le {day.strftime('%d/%m/%Y')} (facture n° {invoice}, "
        f"famille {name}) n'aura pas lieu : la facture est déjà réglée, ou le mandat de "
        f"prélèvement n'est plus actif.\n\n{how}" + _SIGNATURE)
    return Message(to, f"Prélèvement annulé : facture n° {invoice}", text)
