"""Families and their children, as the town hall creates them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.accounts import (Child, Family, parse_new_child, parse_new_family)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.passwords import generate_temporary_password
from chalicelib.domain.sessions import TEMPORARY_PASSWORD_LIFETIME
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.security import hash_password
from chalicelib.storage.accounts import AccountRepository, EmailTaken


class FamilyService:
    """Creating families, adding children, reading a family's own record."""

    def __init__(self, accounts: AccountRepository, mailer: Mailer, site_url: str) -> None:
        self._accounts = accounts
        self._mailer = mailer
        self._site_url = site_url

    def create_family(self, data: dict[str, Any], now: datetime) -> Family:
        """Create a family with a temporary password and e-mail its credentials."""
        new = parse_new_family(data)
        # Validate before taking a number, so that bad input burns none.
        for email in new.emails:
            if self._accounts.find_login(email) is not None:
                raise EmailTaken(details={"field": "emails"})
        password = generate_temporary_password()
        number = self._accounts.next_family_number()
        family = self._accounts.create_family(
            number, new, hash_password(password), now + TEMPORARY_PASSWORD_LIFETIME, now)
        self._mailer.send(templates.welcome_family(
            family.emails, family.name, number, password, self._site_url))
        return family

    def add_child(self, number: str, data: dict[str, Any]) -> Child:
        """Add a child to an existing family."""
        first_name, last_name = parse_new_child(data)
        return self._accounts.add_child(number, first_name, last_name)

    def get_family(self, number: str) -> Family:
        """A family, or ``NotFound``."""
        family = self._accounts.get_family(number)
        if family is None:
            raise NotFound()
        return family

    def child_of(self, number: str, child_id: str) -> Child:
        """The family's child, or ``NotFound`` — also when the child is another family's."""
        child = self.get_family(number).child(child_id)
        if child is None:
            raise NotFound()
        return child
