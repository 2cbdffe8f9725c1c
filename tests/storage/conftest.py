"""Storage tests: the container's services on moto, with the demo commune and family."""
from __future__ import annotations

import pytest
from moto import mock_aws

from chalicelib import wiring
from tests import moto_baseline


@pytest.fixture
def services():
    with mock_aws():
        wiring.reset()
        container = wiring.container()
        moto_baseline.prepare(container)
        yield container
        wiring.reset()


@pytest.fixture
def family(services):
    """The demo family, as the services receive it from a checked session."""
    return services.accounts.get_family("1001")
