"""Stage settings: a frozen clock or a fake AWS endpoint is only ever allowed locally."""
from datetime import datetime, timedelta

import pytest

from chalicelib.settings import PARIS, SettingsError, load_settings

NOW = "2026-11-23T10:00:00+01:00"


SECRETS = {"signing_key": "k" * 32, "origin_secret": "o" * 32}


def env(**values):
    """An environment; a deployed stage gets its two secrets unless the test says."""
    if values.get("stage") in ("dev", "prod"):
        values = {**SECRETS, **values}
    return {f"CANTINE_{k.upper()}": v for k, v in values.items() if v is not None}


def test_the_local_stage_accepts_a_fixed_now_with_an_offset_and_shows_it_in_paris_time():
    settings = load_settings(env(stage="local", now="2026-11-23T09:00:00+00:00"))
    assert settings.fixed_now == datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    assert settings.fixed_now.utcoffset() == timedelta(hours=1)


def test_a_utc_z_suffix_counts_as_an_offset():
    settings = load_settings(env(stage="local", now="2026-07-01T08:00:00Z"))
    assert settings.fixed_now.isoformat() == "2026-07-01T10:00:00+02:00"


def test_without_cantine_now_the_clock_is_not_fixed():
    assert load_settings(env(stage="local")).fixed_now is None
    assert load_settings(env(stage="prod")).fixed_now is None


@pytest.mark.parametrize("value", ["2026-11-23T10:00:00", "2026-11-23", "demain", "23/11/2026"])
def test_a_fixed_now_without_offset_or_unparseable_is_refused(value):
    with pytest.raises(SettingsError):
        load_settings(env(stage="local", now=value))


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_fixed_now_is_refused_outside_the_local_stage(stage):
    with pytest.raises(SettingsError, match="CANTINE_NOW"):
        load_settings(env(stage=stage, now=NOW))


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_an_aws_endpoint_is_refused_outside_the_local_stage(stage):
    with pytest.raises(SettingsError, match="CANTINE_AWS_ENDPOINT"):
        load_settings(env(stage=stage, aws_endpoint="http://127.0.0.1:5000"))


def test_the_local_stage_accepts_an_aws_endpoint():
    settings = load_settings(env(stage="local", aws_endpoint=" http://127.0.0.1:5000 "))
    assert settings.aws_endpoint == "http://127.0.0.1:5000"


@pytest.mark.parametrize("stage", [None, "", "production", "LOCAL", "test"])
def test_a_missing_or_unknown_stage_is_refused(stage):
    environ = {} if stage is None else env(stage=stage)
    with pytest.raises(SettingsError):
        load_settings(environ)


@pytest.mark.parametrize("stage, secure", [("local", False), ("dev", True), ("prod", True)])
def test_cookies_are_secure_everywhere_but_the_local_stage(stage, secure):
    assert load_settings(env(stage=stage)).secure_cookies is secure


def test_table_names_carry_the_stage_prefix():
    assert load_settings(env(stage="prod")).table_name("families") == "cantine-prod-families"
    settings = load_settings(env(stage="dev", table_prefix="x-"))
    assert settings.table_name("families") == "x-families"


def test_load_settings_reads_only_the_mapping_it_is_given(monkeypatch):
    monkeypatch.setenv("CANTINE_STAGE", "local")
    monkeypatch.setenv("CANTINE_NOW", NOW)
    settings = load_settings(env(stage="prod"))
    assert settings.stage == "prod" and settings.fixed_now is None


def test_sign_in_pacing_is_on_unless_a_local_stage_turns_it_off():
    assert load_settings(env(stage="prod")).auth_pacing is True
    assert load_settings(env(stage="local")).auth_pacing is True
    assert load_settings(env(stage="local", auth_pacing="off")).auth_pacing is False


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_refuses_to_turn_sign_in_pacing_off(stage):
    with pytest.raises(SettingsError, match="CANTINE_AUTH_PACING"):
        load_settings(env(stage=stage, auth_pacing="off"))


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("secret", ["signing_key", "origin_secret"])
@pytest.mark.parametrize("value", [None, "", "trop-court"])
def test_a_deployed_stage_refuses_to_start_without_its_secrets(stage, secret, value):
    with pytest.raises(SettingsError, match=f"CANTINE_{secret.upper()}"):
        load_settings(env(stage=stage, **{secret: value}))


def test_the_local_stage_signs_with_a_fixed_key_and_checks_no_origin_header():
    settings = load_settings(env(stage="local"))
    assert len(settings.signing_key) >= 32 and settings.origin_secret == ""
    assert load_settings(env(stage="local", signing_key="s" * 40)).signing_key == "s" * 40


def test_a_deployed_stage_keeps_its_secrets():
    settings = load_settings(env(stage="prod"))
    assert (settings.signing_key, settings.origin_secret) == ("k" * 32, "o" * 32)


@pytest.mark.parametrize("url", ["cantine.mairie.fr", "ftp://cantine.mairie.fr", "https://"])
def test_a_site_url_that_is_no_web_address_is_refused(url):
    with pytest.raises(SettingsError, match="CANTINE_SITE_URL"):
        load_settings(env(stage="local", site_url=url))


@pytest.mark.parametrize("url, origin", [
    ("https://Cantine.Mairie.fr/", "https://cantine.mairie.fr"),
    ("https://cantine.mairie.fr:443", "https://cantine.mairie.fr"),
    ("https://cantine.mairie.fr:8443/portail", "https://cantine.mairie.fr:8443"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
])
def test_the_portals_origin_is_the_scheme_host_and_port_of_the_site_url(url, origin):
    assert load_settings(env(stage="local", site_url=url)).site_origin == origin
