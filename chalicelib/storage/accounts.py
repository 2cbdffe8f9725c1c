"""Families, staff members and the e-mail index that makes addresses unique."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.accounts import (
    Child,
    Credentials,
    Family,
    Income,
    NewFamily,
    PendingEmail,
    StaffMember,
    fold,
    search_key,
)
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.search import family_terms, matches, query_words
from chalicelib.storage.commune import KEY as COMMUNE_KEY
from chalicelib.storage.commune import settings_of
from chalicelib.storage.keys import get_together, is_condition_failure
from chalicelib.storage.models import (
    ChildMap,
    CommuneModel,
    CounterModel,
    FamilyModel,
    FamilyTermModel,
    LoginModel,
    PendingEmailMap,
    SessionModel,
    StaffModel,
    connection,
)
from chalicelib.storage.sessions import StoredSession, stored_session
from chalicelib.storage.transactions import Transaction, conflicted, failed_on

FAMILY_SEQUENCE = "family_number"
FIRST_FAMILY_NUMBER = 1001
TERM_SCOPE = "family"
# A family write and its term changes go in one transaction while they fit in it.
MAX_TRANSACTION_ACTIONS = 100
# ``awaiting`` of a family in the purge index (``by_departure``).
AWAITING_PURGE = "purge"
# The password hash of an anonymised family: no argon2 hash, so no password matches it.
LOCKED_PASSWORD = "!"


class EmailTaken(Conflict):
    code = "email_taken"
    message = "Cette adresse e-mail est déjà utilisée par un autre compte."


def _credentials(model: FamilyModel | StaffModel) -> Credentials:
    return Credentials(password_hash=model.password_hash,
                       must_change_password=bool(model.must_change_password),
                       temporary_expires_at=model.temporary_expires_at)


def _child(c: ChildMap) -> Child:
    return Child(c.id, c.first_name, c.last_name, c.school or "", c.class_name or "",
                 c.meal_type or "standard", c.allergies or "",
                 tuple(c.pickup_people or ()), bool(c.archived),
                 date.fromisoformat(c.birth_date) if c.birth_date else None)


def _child_map(c: Child) -> ChildMap:
    return ChildMap(id=c.id, first_name=c.first_name, last_name=c.last_name,
                    school=c.school, class_name=c.class_name, meal_type=c.meal_type,
                    allergies=c.allergies, pickup_people=list(c.pickup_people),
                    archived=c.archived,
                    birth_date=c.birth_date.isoformat() if c.birth_date else None)


def _family(model: FamilyModel) -> Family:
    effective = model.income_effective_from
    return Family(
        number=model.number, name=model.name, emails=tuple(model.emails or ()),
        phones=tuple(model.phones or ()), address=model.address or "",
        children=tuple(_child(c) for c in model.children or ()),
        credentials=_credentials(model), version=model.version,
        archived=bool(model.archived),
        income=Income(int(model.income_qf) if model.income_qf is not None else None,
                      date.fromisoformat(effective) if effective else None),
        pending_email=(PendingEmail(model.pending_email.email, model.pending_email.token_hash,
                                    model.pending_email.expires_at)
                       if model.pending_email is not None else None),
        reminders=not model.reminders_off, receipts=bool(model.receipts),
        left_on=date.fromisoformat(model.left_on) if model.left_on else None,
        anonymised_at=model.anonymised_at)


def _awaiting(family: Family) -> str | None:
    """The purge index's key: a family that left and is not anonymised yet waits."""
    return AWAITING_PURGE if family.left_on is not None and not family.anonymised else None


def _term_item(term: str, number: str) -> FamilyTermModel:
    return FamilyTermModel(TERM_SCOPE, f"{term}#{number}", number=number)


def _term_changes(before: Family | None, after: Family) -> tuple[list[str], list[str]]:
    """(terms to add, terms to remove) when a family goes from ``before`` to ``after``."""
    old = family_terms(before) if before is not None else frozenset()
    new = family_terms(after)
    return sorted(new - old), sorted(old - new)


def _write_terms(transaction: Transaction, number: str, added: list[str],
                 removed: list[str]) -> None:
    for term in added:
        transaction.put("term", _term_item(term, number))
    for term in removed:
        transaction.remove("term", _term_item(term, number))


def _write_terms_after(number: str, added: list[str], removed: list[str]) -> None:
    """Term changes too many for the family's transaction: written just after it (a
    put or delete of a term is idempotent, and the search re-checks every family it
    finds against its stored item)."""
    with FamilyTermModel.batch_write() as batch:
        for term in added:
            batch.save(_term_item(term, number))
        for term in removed:
            batch.delete(_term_item(term, number))


def _staff(model: StaffModel) -> StaffMember:
    return StaffMember(email=model.email, name=model.name, role=model.role,
                       credentials=_credentials(model))


class AccountRepository:
    """Reads and writes the accounts people sign in with."""

    def next_family_number(self) -> str:
        """Take the next number of the sequence; a number once taken is never given again."""
        counter = CounterModel(FAMILY_SEQUENCE)
        # ADD on a missing item starts from 0, so the first number is FIRST_FAMILY_NUMBER.
        counter.update(actions=[CounterModel.value.add(1)])
        return str(FIRST_FAMILY_NUMBER - 1 + int(counter.value))

    def get_family(self, number: str) -> Family | None:
        """The family with this number, or None."""
        try:
            return _family(FamilyModel.get(number))
        except DoesNotExist:
            return None

    def get_family_with_settings(self, number: str) -> tuple[Family | None,
                                                            CommuneSettings | None]:
        """The family and the commune's settings in one BatchGetItem.

        Every family page needs both (the children, then the calendar, the services and
        their labels), so the session check reads them together.
        """
        family, commune = get_together([(FamilyModel, number), (CommuneModel, COMMUNE_KEY)])
        return (_family(family) if family is not None else None,
                settings_of(commune) if commune is not None else None)

    def get_session_family_settings(self, token_hash: str, number: str) -> tuple[
            StoredSession | None, Family | None, CommuneSettings | None]:
        """A family's session, the family and the
        commune's settings in one BatchGetItem: a family's cookie names its number, so
        every page of a family pays one round trip for who is asking and what they see."""
        session, family, commune = get_together([(SessionModel, token_hash),
                                                 (FamilyModel, number),
                                                 (CommuneModel, COMMUNE_KEY)])
        return (stored_session(session) if session is not None else None,
                _family(family) if family is not None else None,
                settings_of(commune) if commune is not None else None)

    def get_staff(self, email: str) -> StaffMember | None:
        """The staff member with this address, or None."""
        try:
            return _staff(StaffModel.get(email))
        except DoesNotExist:
            return None

    def find_login(self, email: str) -> tuple[str, str] | None:
        """(kind, ref) of the account that uses this normalized e-mail, or None."""
        try:
            item = LoginModel.get(email)
        except DoesNotExist:
            return None
        return item.kind, item.ref

    def create_family(self, number: str, data: NewFamily, password_hash: str,
                      temporary_expires_at: datetime | None, now: datetime) -> Family:
        """Store a new family and claim its e-mails, all or nothing."""
        model = FamilyModel(
            number, name=data.name, emails=list(data.emails), phones=list(data.phones),
            address=data.address, children=[], next_child=1, created_at=now,
            search_key=search_key(data.name, number),
            password_hash=password_hash, must_change_password=temporary_expires_at is not None,
            temporary_expires_at=temporary_expires_at)
        terms = _term_changes(None, _family(model))[0]
        self._create_with_logins(model, "family", number, data.emails, terms=terms)
        return _family(model)  # at the version the write gave it

    def create_staff(self, email: str, name: str, role: str, password_hash: str,
                     temporary_expires_at: datetime | None, now: datetime) -> StaffMember:
        """Store a new staff member and claim the address."""
        model = StaffModel(email, name=name, role=role, created_at=now,
                           search_key=fold(name) + "#" + email,
                           password_hash=password_hash,
                           must_change_password=temporary_expires_at is not None,
                           temporary_expires_at=temporary_expires_at)
        self._create_with_logins(model, "staff", email, (email,))
        return _staff(model)

    def _create_with_logins(self, model: FamilyModel | StaffModel, kind: str, ref: str,
                            emails: tuple[str, ...], terms: Sequence[str] = ()) -> None:
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("account", model,
                                model.__class__._hash_key_attribute().does_not_exist())
                for email in emails:
                    transaction.put("login", LoginModel(email, kind=kind, ref=ref),
                                    LoginModel.login.does_not_exist())
                _write_terms(transaction, ref, list(terms), [])
        except TransactWriteError as exc:
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "account"):
                raise Conflict("Ce compte existe déjà.", code="account_exists") from exc
            if failed_on(reasons, "login"):
                raise EmailTaken(details={"field": "emails"}) from exc
            raise

    def add_child(self, number: str, template: Child) -> Child:
        """Append a child to a family; ids are ``<family number>-<n>`` and never reused."""
        for _attempt in range(3):
            try:
                model = FamilyModel.get(number)
            except DoesNotExist:
                raise NotFound() from None
            before = _family(model)
            child = replace(template, id=f"{number}-{model.next_child}")
            model.children = list(model.children or []) + [_child_map(child)]
            model.next_child = int(model.next_child) + 1
            if not model.archived and not template.archived:
                # A child attends again: the family has not left (domain/retention.py).
                model.left_on = None
                model.awaiting = None
            added, removed = _term_changes(before, _family(model))
            try:
                # VersionAttribute: fails if someone else wrote meanwhile. The child's
                # names become search terms in the same transaction.
                transaction = Transaction()
                with transaction:
                    transaction.put("family", model)
                    _write_terms(transaction, number, added, removed)
                return child
            except TransactWriteError as exc:
                reasons = transaction.reasons(exc)
                if not (failed_on(reasons, "family") or conflicted(reasons)):
                    raise
        raise Conflict()

    def set_password(self, kind: str, ref: str, password_hash: str) -> None:
        """Store a password the owner chose: it is no longer temporary."""
        model_class = FamilyModel if kind == "family" else StaffModel
        try:
            model = model_class.get(ref)
        except DoesNotExist:
            raise NotFound() from None
        # An anonymised family takes no password again (a reset link sent before): it is
        # no one's account any more.
        if kind == "family" and getattr(model, "anonymised_at", None) is not None:
            raise NotFound()
        condition = FamilyModel.anonymised_at.does_not_exist() if kind == "family" else None
        try:
            # The item's version guards against a concurrent edit of the account.
            model.update(actions=[model_class.password_hash.set(password_hash),
                                  model_class.must_change_password.set(False),
                                  model_class.temporary_expires_at.remove()],
                         condition=condition)
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise Conflict() from exc
            raise

    def credentials_of(self, kind: str, ref: str) -> tuple[str, Credentials, str | None] | None:
        """(display name, credentials, staff role or None) of an account, or None."""
        # Accounts read from storage always carry their credentials.
        if kind == "family":
            family = self.get_family(ref)
            # An archived family signs in no more: it looks exactly like an unknown one.
            if family is None or family.archived or family.credentials is None:
                return None
            return family.name, family.credentials, None
        staff = self.get_staff(ref)
        if staff is None or staff.credentials is None:
            return None
        return staff.name, staff.credentials, staff.role

    def emails_of(self, kind: str, ref: str) -> tuple[str, ...]:
        """Every address an account can be reached at."""
        if kind == "family":
            family = self.get_family(ref)
            return family.emails if family else ()
        return (ref,)

    # -- staff-side management ----------------------------------------------------------
    def save_family(self, before: Family, after: Family, *,
                    lock_credentials: bool = False) -> Family:
        """Write an edited family read at ``before.version``; e-mails move with it.
        ``lock_credentials``: its password is replaced by one nothing matches (the
        family's anonymisation)."""
        removed = [e for e in before.emails if e not in after.emails]
        added = [e for e in after.emails if e not in before.emails]
        model = FamilyModel(
            after.number, name=after.name, emails=list(after.emails),
            phones=list(after.phones), address=after.address,
            children=[_child_map(c) for c in after.children],
            archived=after.archived, income_qf=after.income.qf,
            income_effective_from=(after.income.effective_from.isoformat()
                                   if after.income.effective_from else None),
            search_key=search_key(after.name, after.number),
            pending_email=(PendingEmailMap(email=after.pending_email.email,
                                           token_hash=after.pending_email.token_hash,
                                           expires_at=after.pending_email.expires_at)
                           if after.pending_email is not None else None),
            reminders_off=True if not after.reminders else None,
            receipts=True if after.receipts else None,
            left_on=after.left_on.isoformat() if after.left_on else None,
            awaiting=_awaiting(after), anonymised_at=after.anonymised_at)
        raw = FamilyModel.get(before.number)
        if raw.version != before.version:
            raise Conflict()
        # Fields this edit does not own are carried over from the stored item.
        for name in ("password_hash", "must_change_password", "temporary_expires_at",
                     "next_child", "created_at"):
            setattr(model, name, getattr(raw, name))
        if lock_credentials:
            model.password_hash = LOCKED_PASSWORD
            model.must_change_password = False
            model.temporary_expires_at = None
        model.version = raw.version
        # The terms stored are those of the stored item (the version just checked).
        terms_added, terms_removed = _term_changes(_family(raw), after)
        terms_fit = (1 + len(removed) + len(added) + len(terms_added) + len(terms_removed)
                     <= MAX_TRANSACTION_ACTIONS)
        transaction = Transaction()
        try:
            with transaction:
                transaction.put("family", model)  # conditioned on the version just read
                for email in removed:
                    transaction.remove("old_login", LoginModel(email),
                                       LoginModel.ref == before.number)
                for email in added:
                    transaction.put("login", LoginModel(email, kind="family", ref=after.number),
                                    LoginModel.login.does_not_exist())
                if terms_fit:
                    _write_terms(transaction, after.number, terms_added, terms_removed)
        except TransactWriteError as exc:
            # By name: deletes travel first, so a reason's position names the wrong item.
            reasons = transaction.reasons(exc)
            if failed_on(reasons, "family") or failed_on(reasons, "old_login") \
                    or conflicted(reasons):
                raise Conflict() from exc
            if failed_on(reasons, "login"):
                raise EmailTaken(details={"field": "emails"}) from exc
            raise
        if not terms_fit:
            _write_terms_after(after.number, terms_added, terms_removed)
        return _family(model)

    def search_families(self, text: str, start: dict | None,
                        limit: int = 50) -> tuple[list[Family], dict | None]:
        """Families found by ``text`` (all when empty, by name); paged.

        A text is looked up in the search terms (``domain.search``): one Query for the
        start of its longest word, then one BatchGetItem for the families it names, each
        checked against every word. ``limit`` bounds the terms read per page, so a page
        costs two requests whatever the text. ``start`` is the previous page's last key
        as returned here (the caller hands it out signed, so it comes back unchanged)."""
        words = query_words(text)
        if not words:
            query = FamilyModel.by_kind.query("family", None, limit=limit,
                                              last_evaluated_key=start)
            families = [_family(item) for item in query]
            return families, query.last_evaluated_key or None
        query = FamilyTermModel.query(TERM_SCOPE, FamilyTermModel.term.startswith(words[0]),
                                      limit=limit, last_evaluated_key=start)
        numbers = list(dict.fromkeys(item.number for item in query))
        found = self.get_families(numbers)
        families = sorted((f for f in found.values() if matches(f, text)),
                          key=lambda f: search_key(f.name, f.number))
        return families, query.last_evaluated_key or None

    def index_all_families(self) -> int:
        """Write the search terms of every family (the terms of families stored before
        the index existed); idempotent, run by the demo loader at each start and once at
        deployment. Returns how many families were indexed."""
        count = 0
        with FamilyTermModel.batch_write() as batch:
            for family in self.all_families():
                for term in family_terms(family):
                    batch.save(_term_item(term, family.number))
                count += 1
        return count

    def all_families(self):
        """Every family, page by page through the index (jobs and exports)."""
        for item in FamilyModel.by_kind.query("family"):
            yield _family(item)

    def families_due(self, cutoff: date, start: dict | None = None,
                     limit: int = 25) -> tuple[list[Family], dict | None]:
        """One page of the families waiting for their purge whose last child left on or
        before ``cutoff``, earliest first (Query ``by_departure``), and the key to read
        the next page from (None at the end)."""
        query = FamilyModel.by_departure.query(
            AWAITING_PURGE, FamilyModel.left_on <= cutoff.isoformat(), limit=limit,
            last_evaluated_key=start)
        families = [_family(item) for item in query]
        return families, query.last_evaluated_key or None

    def date_departure(self, family: Family, day: date) -> bool:
        """Record ``day`` as the day a family that left without a date left (families
        archived before the dates were kept); False when it has one by now or was
        written meanwhile (its next write dates it)."""
        model = FamilyModel(family.number)
        model.version = family.version
        try:
            model.update(actions=[FamilyModel.left_on.set(day.isoformat()),
                                  FamilyModel.awaiting.set(AWAITING_PURGE)],
                         condition=FamilyModel.left_on.does_not_exist()
                         & FamilyModel.anonymised_at.does_not_exist())
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def get_families(self, numbers: list[str]) -> dict[str, Family]:
        """Several families at once (BatchGetItem, 100 keys a request)."""
        unique = sorted(set(numbers))
        if not unique:
            return {}
        return {item.number: _family(item) for item in FamilyModel.batch_get(unique)}

    def list_staff(self) -> list[StaffMember]:
        """Every staff member, by name."""
        return [_staff(item) for item in StaffModel.by_kind.query("staff")]

    def update_staff(self, email: str, name: str, role: str) -> StaffMember:
        """Change a staff member's name or role."""
        try:
            model = StaffModel.get(email)
        except DoesNotExist:
            raise NotFound() from None
        model.update(actions=[StaffModel.name.set(name), StaffModel.role.set(role),
                              StaffModel.search_key.set(fold(name) + "#" + email)])
        return _staff(model)

    def delete_staff(self, email: str) -> None:
        """Remove a staff account and free its address."""
        try:
            model = StaffModel.get(email)
        except DoesNotExist:
            raise NotFound() from None
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.delete(model)  # conditioned on the version just read
                transaction.delete(LoginModel(email))
        except TransactWriteError as exc:
            raise Conflict() from exc

