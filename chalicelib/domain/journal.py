"""The journal's lines in French: what a secretary reads instead of codes.

``describe`` turns one audit entry (action, target, before, after) into a sentence such
as "Pointage – Léa Dupont – jeudi 10/12 – Repas : absence". The names of the children
and families it mentions are handed in (read in one batch by the service); without them
the line falls back on the number or id, never on nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain.money import MONTHS_FR, money

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DASH = " – "

FAMILY_FIELDS = {"name": "nom", "emails": "adresses mail", "pending_email": "adresse à confirmer",
                 "phones": "téléphones", "address": "adresse", "income": "quotient familial",
                 "children": "enfants", "archived": "archivage"}
CHILD_FIELDS = {"first_name": "prénom", "last_name": "nom", "school": "école",
                "class_name": "classe", "meal_type": "régime", "allergies": "allergies (PAI)",
                "pickup_people": "personnes autorisées", "birth_date": "date de naissance",
                "archived": "archivage"}
STAFF_ROLES = {"admin": "administrateur", "agent": "agent", "kitchen": "cuisine"}
METHODS = {"cheque": "chèque", "especes": "espèces", "cesu": "CESU", "virement": "virement",
           "prelevement": "prélèvement", "payfip": "PayFip"}


@dataclass(frozen=True)
class Names:
    """What the entries refer to by code: families, children and services."""
    families: dict[str, str] = field(default_factory=dict)   # number → name
    children: dict[str, str] = field(default_factory=dict)   # child id → "First Last"
    services: dict[str, str] = field(default_factory=dict)   # code → label


def family_of(action: str, target: str) -> str | None:
    """The family number an entry is about, when there is one."""
    head = (target or "").split(" ")[0]
    if action.startswith(("enfant.", "liste_attente.")) or action == "pointage":
        head = head.split("-")[0]
    elif not (action.startswith(("famille.", "mandat.")) or action == "paiement"):
        return None
    return head if head.isdigit() else None


def short_day(iso: str) -> str:
    """"2026-12-10" → "jeudi 10/12"."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def long_day(iso: str | None) -> str:
    """"2027-01-01" → "01/01/2027"."""
    if not isinstance(iso, str):
        return str(iso)
    try:
        return f"{date.fromisoformat(iso):%d/%m/%Y}"
    except (TypeError, ValueError):
        return str(iso)


def month_name(value: str) -> str:
    """"2026-11" → "novembre 2026"."""
    try:
        year, month = (int(p) for p in str(value).split("-")[:2])
        return f"{MONTHS_FR[month - 1]} {year}"
    except (ValueError, IndexError):
        return str(value)


def euros(cents: Any) -> str:
    """1250 → "12,50 €"."""
    if not isinstance(cents, int):
        return ""
    # Narrow no-break spaces between thousands: the journal is read on screen.
    return money(int(cents), thousands="\u202f")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _changed(before: Any, after: Any, labels: dict[str, str]) -> str:
    old, new = _dict(before), _dict(after)
    names = [label for key, label in labels.items() if old.get(key) != new.get(key)]
    return " : " + ", ".join(names) if names else ""


def _family(number: str, names: Names, data: Any = None) -> str:
    name = names.families.get(number) or _dict(data).get("name")
    return f"famille n° {number} {name}" if name else f"famille n° {number}"


def _child(child_id: str, names: Names, data: Any = None) -> str:
    data = _dict(data)
    name = names.children.get(child_id)
    if not name and data.get("first_name"):
        name = f"{data['first_name']} {data.get('last_name', '')}".strip()
    return name or f"enfant {child_id}"


def _attendance(record: dict) -> str:
    if record.get("status") == "absent":
        text = "absence justifiée" if record.get("justified") else "absence"
        if record.get("reason"):
            text += f" ({record['reason']})"
        return text
    parts = ["présence"]
    if record.get("arrival"):
        parts.append(f"arrivée {record['arrival']}")
    if record.get("departure"):
        parts.append(f"départ {record['departure']}")
    if record.get("late_minutes"):
        parts.append(f"retard {record['late_minutes']} min")
    return ", ".join(parts)


def describe(action: str, target: str, before: Any, after: Any, names: Names) -> str:
    """One journal entry as a French sentence."""
    target = target or ""
    old, new = _dict(before), _dict(after)
    number = family_of(action, target) or ""
    if action == "pointage":
        child_id, _, rest = target.partition(" ")
        day, _, service = rest.partition(" ")
        record = new or old
        day = record.get("date", day)
        service = record.get("service", service)
        what = _attendance(record) if record else "pointage effacé"
        return DASH.join(["Pointage", _child(child_id, names), short_day(day),
                          f"{names.services.get(service, service)} : {what}"])
    if action.startswith("liste_attente."):
        child_id, _, rest = target.partition(" ")
        day, _, service = rest.partition(" ")
        verb = {"liste_attente.promotion": "Place donnée sur liste d'attente",
                "liste_attente.retrait": "Retrait de la liste d'attente"}.get(
                    action, "Liste d'attente")
        return DASH.join([verb, _child(child_id, names), short_day(day),
                          names.services.get(service, service)])
    simple = {
        "famille.création": "Famille créée",
        "famille.modification": "Famille modifiée",
        "famille.informations": "Informations modifiées par la famille",
        "famille.archivage": "Famille archivée",
        "famille.réactivation": "Famille réactivée",
        "famille.identifiants": "Identifiants renvoyés par courriel",
        "famille.anonymisation": "Famille anonymisée (données personnelles effacées)",
    }
    if action in simple:
        text = simple[action] + DASH + _family(number or target, names, new or old)
        if action in ("famille.modification", "famille.informations"):
            text += _changed(before, after, FAMILY_FIELDS)
        return text
    if action.startswith("enfant."):
        verb = {"enfant.création": "Enfant ajouté", "enfant.modification": "Enfant modifié",
                "enfant.archivage": "Enfant archivé"}.get(action, "Enfant")
        text = DASH.join([verb, _child(target, names, new or old)])
        if number:
            text += f" ({_family(number, names)})"
        if action == "enfant.modification":
            text += _changed(before, after, CHILD_FIELDS)
        return text
    if action.startswith("mandat."):
        verb = {"mandat.signature": "Mandat de prélèvement signé en ligne",
                "mandat.saisie_papier": "Mandat de prélèvement papier saisi",
                "mandat.changement_de_compte": "Mandat de prélèvement : compte changé",
                "mandat.suspension": "Mandat de prélèvement suspendu",
                "mandat.reprise": "Mandat de prélèvement repris",
                "mandat.révocation": "Mandat de prélèvement révoqué"}.get(action,
                                                                          "Mandat de prélèvement")
        reference = target.partition(" ")[2] or target
        reason = new.get("status_reason") if action in ("mandat.suspension",
                                                         "mandat.révocation") else ""
        return DASH.join([verb, _family(number or target, names), reference]
                         + ([str(reason)] if reason else []))
    if action.startswith("personnel."):
        member = new or old
        who = member.get("name") or target
        verb = {"personnel.création": "Compte du personnel créé",
                "personnel.modification": "Compte du personnel modifié",
                "personnel.suppression": "Compte du personnel supprimé"}.get(action,
                                                                              "Compte du personnel")
        role_key = str(member.get("role") or "")
        role = STAFF_ROLES.get(role_key, role_key)
        return DASH.join([verb, f"{who} ({target})" + (f", rôle {role}" if role else "")])
    if action == "paramètres.modification":
        released = new.get("réservations annulées")
        return "Paramètres de la commune modifiés" + (
            f"{DASH}{released} réservation(s) annulée(s)" if released else "")
    if action == "fermeture.création":
        return DASH.join(["Fermeture ajoutée", new.get("label") or target,
                          f"du {long_day(new.get('start'))} au {long_day(new.get('end'))}"])
    if action == "fermeture.suppression":
        return DASH.join(["Fermeture supprimée", target])
    if action == "verrouillage":
        count = new.get("frozen_count")
        return "Verrouillage des inscriptions lancé" + (
            f"{DASH}{count} créneau(x) figé(s)" if isinstance(count, int) else "")
    if action == "menu.publication":
        return DASH.join(["Menu publié", f"semaine du {short_day(new.get('week') or target)}"])
    if action == "tarif.création":
        service = new.get("service") or target.split(" ")[0]
        return DASH.join(["Tarif ajouté", names.services.get(service, service),
                          f"à partir du {long_day(new.get('effective_from'))}"])
    if action == "paiement":
        amount = euros(new.get("credit_cents"))
        method_key = str(new.get("method") or "")
        method = METHODS.get(method_key, method_key)
        return DASH.join(["Paiement enregistré", _family(number or target, names),
                          f"{amount} ({method})" if method else amount])
    if action == "avoir":
        return DASH.join(["Avoir émis", f"facture {new.get('invoice') or target}",
                          euros(new.get("credit_cents"))])
    if action == "trop-perçu":
        verb = {"refunded": "Trop-perçu remboursé", "kept": "Trop-perçu gardé en avoir"}.get(
            str(new.get("status") or ""), "Trop-perçu")
        parts = [verb]
        if new.get("family"):
            parts.append(_family(str(new["family"]), names))
        parts.append(euros(new.get("amount_cents")))
        return DASH.join(p for p in parts if p)
    if action == "facturation.pré-facturation":
        return DASH.join(["Pré-facturation calculée", month_name(target)])
    if action == "facturation.validation":
        return DASH.join(["Facturation validée", month_name(target)])
    # A write no view described: the method and the page of the API, kept readable.
    method, _, path = action.partition(" ")
    written = {"POST": "Ajout", "PUT": "Modification", "DELETE": "Suppression"}.get(method)
    if written and path:
        return DASH.join([written, path] + ([target] if target else []))
    return DASH.join([action] + ([target] if target else []))
