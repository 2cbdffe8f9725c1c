"""Families, children and staff accounts, as the town hall manages them."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import (
    STAFF_ROLES,
    Child,
    Family,
    PendingEmail,
    StaffMember,
    apply_child_edit,
    apply_family_edit,
    apply_own_edit,
    fold,
    is_email,
    normalize_email,
    parse_income,
    parse_new_child,
    parse_new_family,
)
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationError
from chalicelib.domain.passwords import generate_temporary_password
from chalicelib.domain.retention import FamilyAnonymised, departure
from chalicelib.domain.sessions import TEMPORARY_PASSWORD_LIFETIME
from chalicelib.domain.signing import Signer
from chalicelib.domain.text import clean_line
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.security import hash_password, hash_token, new_token, password_link, same
from chalicelib.settings import PARIS
from chalicelib.storage.accounts import AccountRepository, EmailTaken
from chalicelib.storage.sessions import AttemptRepository, ResetTokenRepository, SessionRepository

EMAIL_CONFIRMATION_LIFETIME = timedelta(hours=24)
# A re-sent sign-in link waits for a family that reads its mail once a week.
SIGN_IN_LINK_LIFETIME = timedelta(days=7)
EMAIL_CONFIRMATIONS_PER_HOUR = 3


class InvalidLink(ValidationError):
    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("Ce lien de confirmation n'est plus valable (il a expiré, a déjà "
                         "servi, ou une autre adresse a été demandée depuis). Saisissez de "
                         "nouveau l'adresse dans « Vos informations ».", field="token")


class EmailUnavailable(Conflict):
    code = "email_unavailable"
    message = ("Cette adresse est déjà celle d'un autre compte du portail : elle ne peut pas "
               "être ajoutée. Utilisez une autre adresse, ou adressez-vous à la mairie.")


class FamilyArchived(Conflict):
    code = "family_archived"
    message = ("Cette famille est archivée : réactivez-la avant de lui renvoyer ses "
               "identifiants.")


class FamilyService:
    """Creating, finding and editing families, children and staff accounts."""

    def __init__(self, accounts: AccountRepository, sessions: SessionRepository,
                 mailer: Mailer, site_url: str, signer: Signer,
                 attempts: AttemptRepository | None = None,
                 resets: ResetTokenRepository | None = None) -> None:
        self._accounts = accounts
        self._resets = resets or ResetTokenRepository()
        self._signer = signer
        self._attempts = attempts
        self._sessions = sessions
        self._mailer = mailer
        self._site_url = site_url

    # -- families ------------------------------------------------------------------------
    def create_family(self, data: dict[str, Any], now: datetime) -> Family:
        """Create a family with a temporary password and e-mail its credentials."""
        new = parse_new_family(data)
        income = parse_income(data.get("income"))
        # Validate before taking a number, so that bad input burns none.
        for email in new.emails:
            if self._accounts.find_login(email) is not None:
                raise EmailTaken(details={"field": "emails"})
        password = generate_temporary_password()
        number = self._accounts.next_family_number()
        family = self._accounts.create_family(
            number, new, hash_password(password), now + TEMPORARY_PASSWORD_LIFETIME, now)
        if income.qf is not None:
            family = self._accounts.save_family(family, replace(family, income=income))
        self._mailer.send(templates.welcome_family(
            family.emails, family.name, number, password, self._site_url))
        return family

    def get_family(self, number: str) -> Family:
        """A family, or ``NotFound``."""
        family = self._accounts.get_family(number) if number.isdigit() else None
        if family is None:
            raise NotFound()
        return family

    def search(self, query: dict[str, str]) -> tuple[list[Family], str | None]:
        """Find families by number, or by the start of their name, a child's first or last
        name, or an e-mail address or part of it, accents and case aside (all when empty):
        the families found, and the signed cursor of the next page (None at the end)."""
        text = (query.get("q") or "").strip()
        if len(text) > 100:
            raise ValidationError("Recherche trop longue.", field="q")
        if text.isdigit():
            family = self._accounts.get_family(text)
            return ([family] if family else []), None
        # The cursor is DynamoDB's key of the last family shown, signed with the search it
        # belongs to: a forged or altered one is refused before it reaches DynamoDB.
        purpose = "families-cursor:" + fold(text)
        start = None
        if query.get("cursor"):
            start = self._signer.unsign(purpose, query["cursor"])
            if not isinstance(start, dict):
                raise ValidationError("Curseur de pagination invalide : reprenez la recherche "
                                      "depuis la première page.", field="cursor",
                                      code="invalid_cursor")
        families, last = self._accounts.search_families(text, start)
        return families, self._signer.sign(purpose, last) if last else None

    def _editable(self, number: str) -> Family:
        """A family staff may change: not an anonymised one (nothing is left to edit,
        and an address typed into it would bring it back half)."""
        family = self.get_family(number)
        if family.anonymised:
            raise FamilyAnonymised()
        return family

    def update_family(self, number: str, data: dict[str, Any]) -> tuple[Family, Family]:
        """Apply a staff edit; returns (before, after)."""
        before = self._editable(number)
        after = apply_family_edit(before, data)
        return before, self._accounts.save_family(before, after)

    def update_own(self, family: Family, data: dict[str, Any],
                   now: datetime) -> tuple[Family, Family]:
        """A family edits its phones, address and second e-mail; returns (before, after).

        A new second address waits for its owner: a link goes to it, and only once it is
        followed can the address sign in or receive reset links. Whether the address is
        used elsewhere is not looked at here, so the answer cannot tell."""
        before = self.get_family(family.number)
        after, requested = apply_own_edit(before, data, now)
        token = None
        if requested is not None:
            token = new_token()
            after = replace(after, pending_email=PendingEmail(
                requested, hash_token(token), now + EMAIL_CONFIRMATION_LIFETIME))
        saved = self._accounts.save_family(before, after)
        if requested is not None and token is not None and self._may_mail(requested, now):
            # The family number travels with the token: the link finds its family alone.
            link = f"{self._site_url}/confirmer-adresse.html#token={saved.number}.{token}"
            self._mailer.send(templates.email_confirmation(requested, saved.name, link))
        return before, saved

    def _may_mail(self, address: str, now: datetime) -> bool:
        """At most EMAIL_CONFIRMATIONS_PER_HOUR links an hour to one address, whoever asks:
        the form cannot be used to fill a stranger's mailbox."""
        if self._attempts is None:
            return True
        hour = int(now.timestamp() // 3600)
        ends = datetime.fromtimestamp((hour + 1) * 3600, now.tzinfo)
        return self._attempts.count(hash_token(f"confirm-address:{hour}:{address}"),
                                    ends) <= EMAIL_CONFIRMATIONS_PER_HOUR

    def confirm_email(self, token: object, now: datetime) -> str:
        """The owner of a new second address followed its link: the address becomes the
        family's (a login, and a reset address). Returns the address."""
        text = token if isinstance(token, str) else ""
        number, _, secret = text.partition(".")
        family = (self._accounts.get_family(number)
                  if number.isdigit() and secret and len(text) <= 200 else None)
        pending = family.pending_email if family is not None else None
        if family is None or pending is None or family.archived or now >= pending.expires_at \
                or not same(hash_token(secret), pending.token_hash):
            raise InvalidLink()
        emails = (family.emails[0], pending.email)
        try:
            self._accounts.save_family(family, replace(family, emails=emails,
                                                       pending_email=None))
        except EmailTaken:
            # Told to the owner of the address only (they followed the link sent to it).
            raise EmailUnavailable() from None
        return pending.email

    def set_archived(self, number: str, archived: bool,
                     now: datetime) -> tuple[Family, Family]:
        """Archive (no sign-in, out of lists) or reactivate a family; the day its last
        child left is recorded or cleared (``domain.retention.departure``)."""
        before = self._editable(number)
        after = replace(before, archived=archived)
        after = replace(after, left_on=departure(before, after, now.astimezone(PARIS).date()))
        after = self._accounts.save_family(before, after)
        if archived:
            self._sessions.delete_all(f"family#{number}")
        return before, after

    def resend_credentials(self, number: str, now: datetime) -> tuple[str, ...]:
        """E-mail the family its number and a single-use link to choose a password.

        The current password keeps working until the link is used (a parent who had only
        mislaid the e-mail loses nothing); the addresses written to are returned."""
        family = self.get_family(number)
        if family.anonymised:
            raise FamilyAnonymised()
        if family.archived:
            raise FamilyArchived()
        link = password_link(self._resets, self._site_url, f"family#{number}",
                             now + SIGN_IN_LINK_LIFETIME)
        self._mailer.send(templates.credentials_again(family.emails, family.name, number,
                                                      link, self._site_url))
        return family.emails

    # -- children ------------------------------------------------------------------------
    def add_child(self, number: str, data: dict[str, Any]) -> Child:
        """Add a child to an existing family, with optional details."""
        first_name, last_name = parse_new_child(data)
        self._editable(number)
        template = apply_child_edit(Child("", first_name, last_name), data)
        return self._accounts.add_child(number, template)

    def update_child(self, number: str, child_id: str, data: dict[str, Any], now: datetime,
                     archived: bool | None = None) -> tuple[Child, Child]:
        """Edit (or archive) one child of a family; returns (before, after). Archiving
        the last child still attending records the day the family left."""
        family = self._editable(number)
        before = family.child(child_id)
        if before is None:
            raise NotFound()
        after = apply_child_edit(before, data)
        if archived is not None:
            after = replace(after, archived=archived)
        children = tuple(after if c.id == child_id else c for c in family.children)
        edited = replace(family, children=children)
        edited = replace(edited, left_on=departure(family, edited,
                                                   now.astimezone(PARIS).date()))
        self._accounts.save_family(family, edited)
        return before, after

    # -- staff accounts ------------------------------------------------------------------
    def list_staff(self) -> list[StaffMember]:
        """Every staff account."""
        return self._accounts.list_staff()

    def create_staff(self, data: dict[str, Any], now: datetime) -> StaffMember:
        """Open a staff account; its temporary password goes by e-mail."""
        email, name, role = _staff_fields(data)
        if self._accounts.find_login(email) is not None:
            raise EmailTaken(details={"field": "email"})
        password = generate_temporary_password()
        member = self._accounts.create_staff(email, name, role, hash_password(password),
                                             now + TEMPORARY_PASSWORD_LIFETIME, now)
        self._mailer.send(templates.welcome_staff(email, name, password, self._site_url))
        return member

    def update_staff(self, email: str, data: dict[str, Any],
                     acting: str) -> tuple[StaffMember, StaffMember]:
        """Change a staff member's name or role; an admin cannot demote themself."""
        before = self._accounts.get_staff(normalize_email(email))
        if before is None:
            raise NotFound()
        _, name, role = _staff_fields({"email": before.email, "name": data.get("name", before.name),
                                       "role": data.get("role", before.role)})
        if before.email == acting and role != "admin":
            raise Forbidden("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
        return before, self._accounts.update_staff(before.email, name, role)

    def delete_staff(self, email: str, acting: str) -> StaffMember:
        """Close a staff account (not one's own) and end its sessions."""
        member = self._accounts.get_staff(normalize_email(email))
        if member is None:
            raise NotFound()
        if member.email == acting:
            raise Forbidden("Vous ne pouvez pas supprimer votre propre compte.")
        self._accounts.delete_staff(member.email)
        self._sessions.delete_all(f"staff#{member.email}")
        return member


def _staff_fields(data: dict[str, Any]) -> tuple[str, str, str]:
    email = data.get("email")
    if not isinstance(email, str) or not is_email(email.strip()):
        raise ValidationError("Adresse e-mail invalide.", field="email")
    name = data.get("name")
    name = clean_line(name) if isinstance(name, str) else ""
    if not 1 <= len(name) <= 100:
        raise ValidationError("Indiquez un nom (100 caractères au plus).", field="name")
    role = data.get("role")
    if role not in STAFF_ROLES:
        raise ValidationError("Rôle invalide (admin, agent ou kitchen).", field="role")
    return normalize_email(email), name, role
