"""The local stack's helper processes end with the stack, however it ends."""
from __future__ import annotations

import signal
import sys


def end_with_parent() -> None:
    """Ask the kernel to end this process when the thread that started it ends
    (PR_SET_PDEATHSIG; Linux only, a no-op elsewhere).

    A stack killed outright (one that did not stop in time) used to leave its moto server
    and its API workers running for good, each holding a port or 100 MB."""
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
