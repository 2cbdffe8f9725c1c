"""Storage tests: the container's services on moto (tests/conftest.py), with the demo
commune and family."""
from __future__ import annotations

import pytest

from tests.demo import FAMILY_NUMBER


@pytest.fixture
def family(services):
    """The demo family, as the services receive it from a checked session."""
    return services.accounts.get_family(FAMILY_NUMBER)
