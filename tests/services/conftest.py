"""Service tests: the container's services called directly on moto (tests/conftest.py), not
through the HTTP API; with the demo commune and family."""
from __future__ import annotations

import pytest

from tests.demo import FAMILY_NUMBER


@pytest.fixture
def family(services):
    """The demo family, as the services receive it from a checked session."""
    return services.accounts.get_family(FAMILY_NUMBER)
