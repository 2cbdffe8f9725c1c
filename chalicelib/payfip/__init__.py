"""PayFip Régie (DGFiP online card payment): the web-service client.

See ``client`` for the protocol; ``scripts/local/fake_payfip.py`` plays PayFip locally.
"""
from chalicelib.payfip.client import (
    PAYMENT_PAGE,
    PRODUCTION_ENDPOINT,
    PayFipClient,
    PayFipConfig,
    PayFipError,
    PaymentDetail,
    PaymentRequest,
    make_refdet,
    normalize_objet,
)

__all__ = [
    "PAYMENT_PAGE", "PRODUCTION_ENDPOINT", "PayFipClient", "PayFipConfig", "PayFipError",
    "PaymentDetail", "PaymentRequest", "make_refdet", "normalize_objet",
]
