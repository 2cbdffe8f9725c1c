"""Families, staff members and the e-mail index that makes addresses unique."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.accounts import (Child, Credentials, Family, NewFamily,
                                        StaffMember)
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.storage.models import (ChildMap, connection, CounterModel, FamilyModel, LoginModel,
                                       StaffModel)

FAMILY_SEQUENCE = "family_number"
FIRST_FAMILY_NUMBER = 1001


class EmailTaken(Conflict):
    code = "email_taken"
    message = "Cette adresse e-mail est déjà utilisée par un autre compte."


def _credentials(model: FamilyModel | StaffModel) -> Credentials:
    return Credentials(password_hash=model.password_hash,
                       must_change_password=bool(model.must_change_password),
                       temporary_expires_at=model.temporary_expires_at)


def _family(model: FamilyModel) -> Family:
    return Family(
        number=model.number, name=model.name, emails=tuple(model.emails or ()),
        phones=tuple(model.phones or ()), address=model.address or "",
        children=tuple(Child(c.id, c.first_name, c.last_name) for c in model.children or ()),
        credentials=_credentials(model), version=model.version)


def _staff(model: StaffModel) -> StaffMember:
    return StaffMember(email=model.email, name=model.name, role=model.role,
                       credentials=_credentials(model))


def _is_condition_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


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
            password_hash=password_hash, must_change_password=temporary_expires_at is not None,
            temporary_expires_at=temporary_expires_at)
        self._create_with_logins(model, "family", number, data.emails)
        return _family(model)

    def create_staff(self, email: str, name: str, role: str, password_hash: str,
                     temporary_expires_at: datetime | None, now: datetime) -> StaffMember:
        """Store a new staff member and claim the address."""
        model = StaffModel(email, name=name, role=role, created_at=now,
                           password_hash=password_hash,
                           must_change_password=temporary_expires_at is not None,
                           temporary_expires_at=temporary_expires_at)
        self._create_with_logins(model, "staff", email, (email,))
        return _staff(model)

    def _create_with_logins(self, model: FamilyModel | StaffModel, kind: str, ref: str,
                            emails: tuple[str, ...]) -> None:
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(model, condition=model.__class__._hash_key_attribute().does_not_exist())
                for email in emails:
                    transaction.save(LoginModel(email, kind=kind, ref=ref),
                                     condition=LoginModel.login.does_not_exist())
        except TransactWriteError as exc:
            # One reason per action, in order, None where that action was fine.
            reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise Conflict("Ce compte existe déjà.", code="account_exists") from exc
            if "ConditionalCheckFailed" in reasons[1:]:
                raise EmailTaken(details={"field": "emails"}) from exc
            raise

    def add_child(self, number: str, first_name: str, last_name: str) -> Child:
        """Append a child to a family; ids are ``<family number>-<n>`` and never reused."""
        for _attempt in range(3):
            try:
                model = FamilyModel.get(number)
            except DoesNotExist:
                raise NotFound() from None
            child = Child(f"{number}-{model.next_child}", first_name, last_name)
            model.children = list(model.children or []) + [
                ChildMap(id=child.id, first_name=first_name, last_name=last_name)]
            model.next_child = int(model.next_child) + 1
            try:
                model.save()  # VersionAttribute: fails if someone else wrote meanwhile
                return child
            except PutError as exc:
                if not _is_condition_failure(exc):
                    raise
        raise Conflict()

    def set_password(self, kind: str, ref: str, password_hash: str) -> None:
        """Store a password the owner chose: it is no longer temporary."""
        model_class = FamilyModel if kind == "family" else StaffModel
        try:
            model = model_class.get(ref)
        except DoesNotExist:
            raise NotFound() from None
        try:
            # The item's version guards against a concurrent edit of the account.
            model.update(actions=[model_class.password_hash.set(password_hash),
                                  model_class.must_change_password.set(False),
                                  model_class.temporary_expires_at.remove()])
        except UpdateError as exc:
            if _is_condition_failure(exc):
                raise Conflict() from exc
            raise

    def credentials_of(self, kind: str, ref: str) -> tuple[str, Credentials] | None:
        """(display name, credentials) of an account, or None."""
        if kind == "family":
            family = self.get_family(ref)
            return (family.name, family.credentials) if family else None
        staff = self.get_staff(ref)
        return (staff.name, staff.credentials) if staff else None

    def emails_of(self, kind: str, ref: str) -> tuple[str, ...]:
        """Every address an account can be reached at."""
        if kind == "family":
            family = self.get_family(ref)
            return family.emails if family else ()
        return (ref,)
