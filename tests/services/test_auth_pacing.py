"""Sign-in and forgotten-password answers take a fixed time, known account or not.

The clock here is a fake one that the work advances; the local-stack test in
tests/load/test_sign_in_abuse.py measures the real thing.
"""
from __future__ import annotations

import pytest

from chalicelib.services.auth import FORGOT_FLOOR, LOGIN_FLOOR, Pacer
from tests.demo import FAMILY


class FakeTime:
    """A monotonic clock that only moves when told to, and records the pauses."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def paced(services):
    fake = FakeTime()
    services.auth._pacer = Pacer(True, fake.monotonic, fake.sleep)
    return fake


def elapsed(fake, action):
    start = fake.now
    try:
        action()
    except Exception:  # noqa: BLE001 - a refusal is paced like an answer
        pass
    return fake.now - start


@pytest.mark.parametrize("login, password", [
    FAMILY,                                   # known, right password
    ("1001", "pas-le-bon-mot-de-passe"),      # known, wrong password
    ("9999", "pas-le-bon-mot-de-passe"),      # unknown number
    ("inconnu@example.org", "pas-le-bon"),    # unknown e-mail
    ("", ""),                                 # nothing typed
])
def test_every_sign_in_answer_leaves_after_the_same_time(services, paced, clock, login,
                                                        password):
    assert elapsed(paced, lambda: services.auth.login(login, password, clock.now())) \
        == LOGIN_FLOOR


@pytest.mark.parametrize("email", ["famille.test@example.org", "inconnu@example.org"])
def test_forgotten_password_answers_leave_after_the_same_time(services, paced, clock, email):
    assert elapsed(paced, lambda: services.auth.forgot(email, clock.now())) == FORGOT_FLOOR


def test_work_longer_than_the_floor_is_not_held_back_further():
    fake = FakeTime()
    pacer = Pacer(True, fake.monotonic, fake.sleep)
    with pacer.at_least(0.5):
        fake.now += 0.8
    assert fake.slept == [] and fake.now == 0.8
