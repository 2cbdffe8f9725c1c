"""The security headers of the site: CloudFront adds them in production (template.py) and
the local stack sends the same (scripts/local/devstack.py), so that the local site is held to the
same Content-Security-Policy as production. HSTS is production's only (the local site is
plain HTTP): see template.py."""
from __future__ import annotations

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Directives a <meta http-equiv="Content-Security-Policy"> cannot carry (CSP Level 3,
# §3.3): browsers ignore them there and say so in the console. Only the header sends them.
META_IGNORED_DIRECTIVES = frozenset({"frame-ancestors", "report-uri", "sandbox"})


def meta_content_security_policy(policy: str | None = None) -> str:
    """The policy each page repeats in its <meta>: the header's, less what a meta ignores."""
    policy = SECURITY_HEADERS["Content-Security-Policy"] if policy is None else policy
    kept = [d.strip() for d in policy.split(";")
            if d.strip() and d.split()[0].lower() not in META_IGNORED_DIRECTIVES]
    return "; ".join(kept)
