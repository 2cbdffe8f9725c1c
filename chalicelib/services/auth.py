"""Sign-in, sessions and passwords, for families and staff alike."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.accounts import Family, Principal, is_email, normalize_email
from chalicelib.domain.commune import CommuneSettings
from chalicelib.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationError,
)
from chalicelib.domain.passwords import check_new_password, normalize
from chalicelib.domain.sessions import RESET_TOKEN_LIFETIME, is_alive, needs_touch
from chalicelib.domain.signing import Signer
from chalicelib.mail import templates
from chalicelib.mail.sender import Mailer
from chalicelib.services.security import (
    hash_password,
    hash_token,
    new_token,
    password_link,
    verify_password,
)
from chalicelib.settings import LOCAL_SIGNING_KEY
from chalicelib.storage.accounts import AccountRepository
from chalicelib.storage.sessions import AttemptRepository, ResetTokenRepository, SessionRepository

FORGOT_ANSWER = ("Si cette adresse correspond à un compte, un message contenant un lien "
                 "pour choisir un nouveau mot de passe vient d'y être envoyé. "
                 "Pensez à regarder dans les courriers indésirables.")


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    message = "Identifiant ou mot de passe incorrect."


class TemporaryPasswordExpired(Unauthenticated):
    code = "temporary_password_expired"
    message = ("Votre mot de passe provisoire a expiré. Utilisez « Mot de passe oublié ? » "
               "pour en choisir un nouveau.")


class InvalidToken(ValidationError):
    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("Ce lien n'est plus valable. Faites une nouvelle demande depuis "
                         "« Mot de passe oublié ? ».", field="token")


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    message = "Vous devez d'abord choisir un nouveau mot de passe."


class InvalidCurrentPassword(ValidationError):
    code = "invalid_current_password"

    def __init__(self) -> None:
        super().__init__("Le mot de passe actuel est incorrect.", field="current_password")


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    token: str
    device: str = ""  # the device cookie's new value


@dataclass(frozen=True)
class CurrentSession:
    principal: Principal
    token_hash: str
    family: Family | None = None  # read anyway to authenticate a family: views reuse it
    # Read in the same round trip as the family (a family's session only); None before
    # the commune has saved settings.
    settings: CommuneSettings | None = None


# Sign-in and forgotten-password answers are padded to these durations, so the time they
# take says nothing of whether the account exists: a known address costs a write and an
# e-mail that an unknown one does not, and a known login may read one item more. Each floor
# sits well above the work it hides (argon2 is about 0.1 s on one Lambda vCPU).
LOGIN_FLOOR = 0.5
FORGOT_FLOOR = 1.0


class Pacer:
    """Holds an answer back until a fixed time has passed since the work started."""

    def __init__(self, enabled: bool = True, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.enabled = enabled
        self._monotonic = monotonic
        self._sleep = sleep

    @contextmanager
    def at_least(self, seconds: float) -> Iterator[None]:
        """Whatever happens inside (an answer or a refusal), leave after ``seconds``."""
        start = self._monotonic()
        try:
            yield
        finally:
            remaining = seconds - (self._monotonic() - start)
            if self.enabled and remaining > 0:
                self._sleep(remaining)


def _sign_in_wait_text(seconds: int) -> str:
    """How long to wait, and the other way in: the reset link."""
    if seconds < 60:
        wait = f"{seconds} seconde{'s' if seconds > 1 else ''}"
    else:
        minutes = -(-seconds // 60)
        wait = f"{minutes} minute{'s' if minutes > 1 else ''}"
    return (f"Trop de tentatives de connexion : réessayez dans {wait}. Si vous avez oublié "
            f"votre mot de passe, utilisez « Mot de passe oublié ? » pour en choisir un "
            f"nouveau.")


def _principal_key(kind: str, ref: str) -> str:
    return f"{kind}#{ref}"


# Throttle counters (stored under a hash of these keys, never the login itself):
def _account_key(principal: str) -> str:
    """Untrusted clients of one account, whatever identifier they type."""
    return hash_token("account:" + principal)


def _unknown_key(login: str) -> str:
    """A login that names no account: counted exactly like an account's."""
    return hash_token("login:" + login)


def _device_key(nonce: str) -> str:
    """One device the account signed in from before (its device cookie)."""
    return hash_token("device:" + nonce)


DEVICE_PURPOSE = "device-cookie"
# Forgotten-password requests: this many e-mails per address, this many requests per
# client (IP address), per window; beyond, the same answer and no e-mail.
FORGOT_WINDOW = timedelta(hours=1)
FORGOT_PER_ADDRESS = 3
FORGOT_PER_CLIENT = 20


class AuthService:
    """Everything about who someone is and how they prove it."""

    def __init__(self, accounts: AccountRepository, sessions: SessionRepository,
                 resets: ResetTokenRepository, attempts: AttemptRepository,
                 mailer: Mailer, site_url: str, pacer: Pacer | None = None,
                 signer: Signer | None = None) -> None:
        self._accounts = accounts
        self._pacer = pacer or Pacer()
        self._sessions = sessions
        self._resets = resets
        self._attempts = attempts
        self._mailer = mailer
        self._site_url = site_url
        self._signer = signer or Signer(LOCAL_SIGNING_KEY)

    # -- sign-in ---------------------------------------------------------------------
    def _resolve(self, login: str) -> tuple[str, str] | None:
        if is_email(login):
            return self._accounts.find_login(normalize_email(login))
        if login.isdigit():
            return ("family", login)
        return None

    def login(self, login: object, password: object, now: datetime,
              device: str | None = None) -> SignedIn:
        """Check credentials and open a session; same failure whether the login exists.

        ``device`` is the browser's device cookie, if any (see ``_throttle_key``)."""
        with self._pacer.at_least(LOGIN_FLOOR):
            return self._login(login, password, now, device)

    def _trusted_device(self, device: str | None, principal: str) -> str | None:
        """The nonce of a device cookie this server issued to this account, else None."""
        value = self._signer.unsign(DEVICE_PURPOSE, device, max_length=400)
        if isinstance(value, dict) and value.get("p") == principal \
                and isinstance(value.get("n"), str):
            return value["n"]
        return None

    def _throttle_key(self, normalized: str, principal: str | None,
                      device: str | None) -> str:
        """Whose free failures this try spends (OWASP "device cookies").

        A browser that signed in to this account before shows its device cookie and spends
        that device's own budget: a stranger exhausting the account's budget for unknown
        clients cannot keep the family out of the phone it always uses. Every other try
        spends the account's budget, whether the number or an address was typed (one
        budget, not one per identifier). A login that names no account has a budget of
        its own, kept exactly alike, so that the answers tell nothing.
        """
        if principal is None:
            return _unknown_key(normalized)
        nonce = self._trusted_device(device, principal)
        return _device_key(nonce) if nonce else _account_key(principal)

    def _login(self, login: object, password: object, now: datetime,
               device: str | None) -> SignedIn:
        if not isinstance(login, str) or not isinstance(password, str) or not login.strip():
            raise ValidationError("Indiquez votre identifiant et votre mot de passe.",
                                  field="login")
        login = login.strip()
        if len(login) > 254 or len(password) > 1024:
            raise InvalidCredentials()
        normalized = normalize_email(login) if "@" in login else login
        account = self._resolve(normalized)
        principal = _principal_key(*account) if account else None
        key = self._throttle_key(normalized, principal, device)
        # One conditional write both checks the budget and spends one try of it: parallel
        # tries each take their own place, and tries refused here spend nothing.
        wait = self._attempts.reserve(key, now)
        if wait:
            raise TooManyRequests(_sign_in_wait_text(wait),
                                  details={"retry_after_seconds": wait})
        found = self._accounts.credentials_of(*account) if account else None
        credentials = found[1] if found else None
        # verify_password always runs argon2, so unknown logins take as long as known ones.
        if not verify_password(credentials.password_hash if credentials else None, password) \
                or account is None or found is None or credentials is None:
            raise InvalidCredentials()  # this try is already counted
        self._attempts.clear([key])
        if credentials.must_change_password and credentials.temporary_expires_at \
                and now >= credentials.temporary_expires_at:
            raise TemporaryPasswordExpired()
        kind, ref = account
        # A family's cookie starts with its number: the session check reads the session,
        # the family and the settings in one request (the hash covers the number, so it
        # cannot be changed without losing the session).
        token = f"{ref}.{new_token()}" if kind == "family" else new_token()
        self._sessions.create(hash_token(token), _principal_key(kind, ref), now)
        # A fresh device cookie at each sign-in: this browser is now one the account uses.
        cookie = self._signer.sign(DEVICE_PURPOSE, {"p": principal, "n": new_token()[:22]})
        # The role came with the credentials: no second read of the staff item.
        return SignedIn(Principal(kind=kind, ref=ref, name=found[0], role=found[2],
                                  must_change_password=bool(credentials.must_change_password)),
                        token, cookie)

    def authenticate(self, token: str | None, now: datetime) -> CurrentSession:
        """The principal behind a session cookie, or ``Unauthenticated``."""
        if not token or len(token) > 200:
            raise Unauthenticated()
        token_hash = hash_token(token)
        named, dot, _ = token.partition(".")
        family = settings = None
        if dot and named.isascii() and named.isdigit() and len(named) <= 20:
            stored, family, settings = self._accounts.get_session_family_settings(
                token_hash, named)
        else:
            stored = self._sessions.get(token_hash)
        if stored is None or not is_alive(stored.times, now):
            raise Unauthenticated("Votre session a expiré. Veuillez vous reconnecter.",
                                  code="session_expired" if stored else "unauthenticated")
        kind, _, ref = stored.principal.partition("#")
        if kind == "family":
            if not dot or named != ref:
                # Sessions opened before cookies named their family: read it now.
                family, settings = self._accounts.get_family_with_settings(ref)
            if family is None or family.archived:
                raise Unauthenticated()
            # Accounts read from storage always carry their credentials.
            principal = Principal("family", ref, family.name, None,
                                  family.credentials is not None
                                  and family.credentials.must_change_password)
        else:
            staff = self._accounts.get_staff(ref)
            if staff is None:
                raise Unauthenticated()
            principal = Principal("staff", ref, staff.name, staff.role,
                                  staff.credentials is not None
                                  and staff.credentials.must_change_password)
        if needs_touch(stored.times, now):
            self._sessions.touch(token_hash, now)
        return CurrentSession(principal, token_hash, family, settings)

    def logout(self, session: CurrentSession) -> None:
        """End this session server-side."""
        self._sessions.delete(session.token_hash)

    # -- passwords -------------------------------------------------------------------
    def forgot(self, email: object, now: datetime, client: str = "") -> str:
        """Send a reset link if the address is known; the answer is the same either way.

        At most FORGOT_PER_ADDRESS links per address and FORGOT_PER_CLIENT requests per
        client (IP address) per FORGOT_WINDOW: beyond, nothing is sent, and the answer,
        padded to the same duration, says nothing of it."""
        with self._pacer.at_least(FORGOT_FLOOR):
            return self._forgot(email, now, client)

    def _within_forgot_limits(self, address: str, client: str, now: datetime) -> bool:
        window = int(now.timestamp() // FORGOT_WINDOW.total_seconds())
        ends = datetime.fromtimestamp((window + 1) * FORGOT_WINDOW.total_seconds(), now.tzinfo)
        # The client first: a client over its limit does not spend the address's budget.
        if client and self._attempts.count(
                hash_token(f"forgot-client:{window}:{client}"), ends) > FORGOT_PER_CLIENT:
            return False
        return self._attempts.count(
            hash_token(f"forgot-address:{window}:{address}"), ends) <= FORGOT_PER_ADDRESS

    def _forgot(self, email: object, now: datetime, client: str) -> str:
        if not isinstance(email, str) or not is_email(email.strip()):
            raise ValidationError("Indiquez une adresse e-mail valide.", field="email")
        address = normalize_email(email)
        # Counted for unknown addresses too: the same work, the same time.
        allowed = self._within_forgot_limits(address, client, now)
        account = self._accounts.find_login(address)
        if account is not None and allowed:
            link = password_link(self._resets, self._site_url, _principal_key(*account),
                                 now + RESET_TOKEN_LIFETIME)
            self._mailer.send(templates.password_reset(address, link))
        else:
            # Spend what the known path spends on hashing so timing tells nothing.
            hash_token(new_token())
        return FORGOT_ANSWER

    def reset(self, token: object, password: object, now: datetime) -> None:
        """Set a new password from a reset link; ends all sessions and unlocks sign-in."""
        if not isinstance(token, str) or not token or len(token) > 200:
            raise InvalidToken()
        token_hash = hash_token(token)
        # Check the password first (against the account the link is for): a weak one must
        # not burn the single-use link.
        pending = self._resets.peek(token_hash)
        if pending is None or now >= pending[1]:
            raise InvalidToken()
        kind, _, ref = pending[0].partition("#")
        password = check_new_password(password, context=self._identifiers(kind, ref))
        consumed = self._resets.consume(token_hash)
        if consumed is None:
            raise InvalidToken()
        try:
            self._accounts.set_password(kind, ref, hash_password(password))
        except NotFound:
            raise InvalidToken() from None  # the account was closed or anonymised since
        self._sessions.delete_all(consumed[0])
        self._unlock(kind, ref)

    def _identifiers(self, kind: str, ref: str, name: str | None = None) -> tuple[str, ...]:
        """What a new password of this account may not contain: its login, name, e-mails."""
        if name is None:
            found = self._accounts.credentials_of(kind, ref)
            name = found[0] if found else ""
        return (ref, name, *self._accounts.emails_of(kind, ref))

    def _unlock(self, kind: str, ref: str) -> None:
        # The owner proved they read the account's mail: unknown clients start afresh.
        self._attempts.clear([_account_key(_principal_key(kind, ref))])

    def change_password(self, session: CurrentSession, current: object, password: object,
                        end_other_sessions: bool, now: datetime) -> int:
        """Change one's own password; returns how many other sessions were ended."""
        principal = session.principal
        if not isinstance(current, str) or not current:
            raise InvalidCurrentPassword()
        found = self._accounts.credentials_of(principal.kind, principal.ref)
        if found is None or not verify_password(found[1].password_hash, current):
            raise InvalidCurrentPassword()
        password = check_new_password(
            password, context=self._identifiers(principal.kind, principal.ref, principal.name))
        if password == normalize(current):
            raise ValidationError("Le nouveau mot de passe doit être différent de l'actuel.",
                                  field="password", code="weak_password")
        self._accounts.set_password(principal.kind, principal.ref, hash_password(password))
        ended = 0
        if end_other_sessions:
            ended = self._sessions.delete_all(principal.key, keep=session.token_hash)
        emails = self._accounts.emails_of(principal.kind, principal.ref)
        if emails:
            self._mailer.send(templates.password_changed(emails))
        return ended


def ensure_password_changed(principal: Principal) -> None:
    """Family and staff endpoints refuse service until a temporary password is replaced."""
    if principal.must_change_password:
        raise PasswordChangeRequired()


__all__ = ["AuthService", "Pacer", "SignedIn", "CurrentSession", "FORGOT_ANSWER",
           "ensure_password_changed", "DomainError"]
