"""Storage tests: the container's services on moto, with the demo commune and family."""
from __future__ import annotations

import pytest
from moto import mock_aws

from chalicelib import wiring
from chalicelib.services import demo


@pytest.fixture
def services():
    with mock_aws():
        wiring.reset()
        container = wiring.container()
        demo.prepare_stack(container)
        demo.load_demo_data(container)
        yield container
        wiring.reset()


@pytest.fixture
def family(services):
    """The demo family, as the services receive it from a checked session."""
    return services.accounts.get_family("1001")
