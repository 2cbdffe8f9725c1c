"""The local stack as a browser or a script meets it: one origin, errors in one shape,
the site's security headers."""
import json
import urllib.error
import urllib.request

from tests.demo import FAMILY_NUMBER, FAMILY_PASSWORD


def fetch(stack, path, method="GET", data=None, headers=None):
    request = urllib.request.Request(stack.url + path, method=method, data=data,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_unknown_api_route_is_a_404_in_the_error_shape(stack):
    status, headers, body = fetch(stack, "/api/nulle-part")
    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "not_found"


def test_a_known_path_with_another_method_is_a_404_as_in_production(stack):
    status, _, body = fetch(stack, "/api/auth/login")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "not_found"


def test_a_form_post_to_the_api_is_refused(stack):
    status, _, body = fetch(stack, "/api/auth/login", "POST", b"login=1001&password=x",
                            {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415
    assert json.loads(body)["error"]["code"] == "unsupported_media_type"


def test_pages_carry_a_strict_content_security_policy(stack):
    status, headers, body = fetch(stack, "/connexion.html")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in body and b" onclick=" not in body


def test_the_session_cookie_is_httponly_strict_and_limited_to_the_api(stack):
    data = json.dumps({"login": FAMILY_NUMBER, "password": FAMILY_PASSWORD}).encode()
    status, headers, _ = fetch(stack, "/api/auth/login", "POST", data,
                               {"Content-Type": "application/json"})
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/api" in cookie


def test_the_local_outbox_exists_on_the_local_stack(stack):
    status, _, body = fetch(stack, "/api/dev/outbox")
    assert status == 200 and isinstance(json.loads(body), list)


def test_the_clock_moves_only_to_a_readable_instant_and_only_when_it_is_fixed(stack, tmp_path):
    from scripts.local.devstack import CLOCK_PATH, DevStack
    request = urllib.request.Request(f"{stack.url}{CLOCK_PATH}", method="POST",
                                     data=json.dumps({"now": "2026-11-30 08:00"}).encode())
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a time without its offset moved the clock")
    except urllib.error.HTTPError as refused:
        assert refused.code == 409
        assert json.load(refused)["error"]["code"] == "clock_not_moved"
    # `make run` without CANTINE_NOW follows the real time: there is no clock to move.
    real_time = DevStack(0, tmp_path, now=None)
    try:
        real_time.move_clock("2026-11-30T08:00:00+01:00")
        raise AssertionError("a stack on the real time moved its clock")
    except ValueError as refused:
        assert "horloge fixée" in str(refused)


def test_a_stack_killed_outright_leaves_no_process_behind(tmp_path):
    """A stack that does not stop in time is killed (tests/localstack.py): its moto
    server (in a session of its own) and its API workers used to outlive it for good."""
    import time

    from tests.localstack import Stack
    killed = Stack(tmp_path / "killed")
    killed.start("2026-11-23T10:00:00+01:00")
    fetch(killed, "/api/auth/me")  # an API worker answers
    helpers = _descendants(killed.process.pid)
    commands = " ".join(_cmdline(pid) for pid in helpers)
    assert "local_aws" in commands and "forkserver" in commands, commands
    killed.process.kill()
    killed.process.wait()
    deadline = time.monotonic() + 10
    while alive := [pid for pid in helpers if _cmdline(pid)]:
        assert time.monotonic() < deadline, [_cmdline(pid)[:80] for pid in alive]
        time.sleep(0.1)


def _descendants(root: int) -> list[str]:
    import os
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parents[pid] = stat.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
    found, frontier = [], [str(root)]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as cmdline:
            return cmdline.read().replace("\0", " ")
    except OSError:
        return ""
