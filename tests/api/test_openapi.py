"""The OpenAPI description in docs/openapi.yaml: valid, complete, and true to real answers."""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.client import body
from tests.demo import FAMILY

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
DOC_URI = "urn:cantine:openapi"


@pytest.fixture(scope="module")
def doc() -> dict:
    with DOC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def chalice_app():
    from app import app
    return app


def operations(doc: dict):
    """(METHOD, path, operation) for every operation of the document."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def app_routes(chalice_app) -> dict[tuple[str, str], str]:
    """(METHOD, path) → view name for every route of the Chalice app."""
    return {(method, path): entry.view_name
            for path, methods in chalice_app.routes.items()
            for method, entry in methods.items()}


def response_schema(doc: dict, method: str, path: str, status: str = "200") -> dict:
    """The JSON schema of a documented response, its $refs resolvable against the document."""
    response = doc["paths"][path][method.lower()]["responses"][status]
    return _anchored(response["content"]["application/json"]["schema"])


def _anchored(schema: dict) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [_rebase(schema)]}


def _rebase(node):
    """Point every '#/…' reference at the registered document."""
    if isinstance(node, dict):
        return {k: (f"{DOC_URI}{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#")
                    else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def validator_for(doc: dict, schema: dict) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker())


def test_the_document_is_a_valid_openapi_3_1_description(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_the_document_is_served_under_the_api_prefix_with_the_session_cookie(doc):
    assert doc["servers"] == [{"url": "/api"}]
    scheme = doc["components"]["securitySchemes"]["cantine_session"]
    assert scheme == {**scheme, "type": "apiKey", "in": "cookie", "name": "cantine_session"}


def test_every_route_of_the_app_is_documented(doc, chalice_app):
    documented = {(method, path) for method, path, _ in operations(doc)}
    missing = sorted(set(app_routes(chalice_app)) - documented)
    assert not missing, f"routes missing from docs/openapi.yaml: {missing}"


def test_every_documented_operation_is_a_route_of_the_app(doc, chalice_app):
    documented = {(method, path) for method, path, _ in operations(doc)}
    unknown = sorted(documented - set(app_routes(chalice_app)))
    assert not unknown, f"operations that are not routes of the app: {unknown}"


def test_each_operation_documents_a_success_and_a_401_unless_public(doc):
    problems = []
    for method, path, operation in operations(doc):
        statuses = set(operation["responses"])
        if not any(s.startswith("2") for s in statuses):
            problems.append(f"{method} {path}: no 2xx response")
        if operation.get("security") != [] and "401" not in statuses:
            problems.append(f"{method} {path}: signed-in route without a 401")
    assert not problems, problems


def test_error_responses_use_the_shared_error_schema(doc):
    components = doc["components"]["responses"]
    for method, path, operation in operations(doc):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                if "$ref" in response:
                    response = components[response["$ref"].rsplit("/", 1)[1]]
                text = repr(response["content"]["application/json"]["schema"])
                assert "#/components/schemas/Error" in text or \
                    "#/components/schemas/ValidationError" in text, (method, path, status)


def expected_operation_id(chalice_app, method: str, path: str) -> str:
    """The view name; a name shared by two blueprints is prefixed with the blueprint's
    audience (chalicelib.api.family, chalicelib.api.staff.families → family, staff)."""
    entry = chalice_app.routes[path][method]
    shared = [e for ms in chalice_app.routes.values() for e in ms.values()
              if e.view_name == entry.view_name and e.view_function is not entry.view_function]
    if not shared:
        return entry.view_name
    blueprint = entry.view_function.__module__.split(".")[2]
    return f"{blueprint}_{entry.view_name}"


def test_operation_ids_are_unique(doc):
    ids = [operation.get("operationId") for _, _, operation in operations(doc)]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_operation_ids_equal_the_chalice_view_names(doc, chalice_app):
    views = app_routes(chalice_app)
    for method, path, operation in operations(doc):
        assert operation.get("x-view-name", operation["operationId"]) == views[(method, path)], \
            (method, path)
        assert operation["operationId"] == expected_operation_id(chalice_app, method, path), \
            (method, path)


def test_binary_responses_have_their_media_types(doc):
    pdf = doc["paths"]["/family/invoices/{invoice_id}/pdf"]["get"]["responses"]["200"]
    assert list(pdf["content"]) == ["application/pdf"]
    csv = doc["paths"]["/staff/exports/{name}"]["get"]["responses"]["200"]
    assert list(csv["content"]) == ["text/csv"]


def test_the_local_outbox_is_marked_as_local_only(doc):
    assert doc["paths"]["/dev/outbox"]["get"]["x-stage"] == "local"


@pytest.mark.parametrize("path, doc_path", [
    ("/family", "/family"),
    ("/children/1001-1/calendar?month=2026-12", "/children/{child_id}/calendar"),
    ("/family/statement", "/family/statement"),
])
def test_real_family_answers_match_their_documented_schemas(doc, api, path, doc_path):
    assert api.login(*FAMILY).status_code == 200
    response = api.get(path)
    assert response.status_code == 200
    validator_for(doc, response_schema(doc, "GET", doc_path)).validate(body(response))


def test_a_refused_booking_matches_the_documented_error(doc, api):
    api.login(*FAMILY)
    response = api.put("/children/1001-1/bookings",
                       {"changes": [{"date": "2026-11-02", "service": "meal", "booked": True}]})
    assert response.status_code == 422
    schema = _anchored(doc["components"]["responses"]["BookingRefused"]
                       ["content"]["application/json"]["schema"])
    validator_for(doc, schema).validate(body(response))


def test_the_typical_week_answers_match_the_document(doc, api):
    api.login(*FAMILY)
    saved = api.put("/children/1001-1/typical-week", {"days": {"1": ["meal"]}})
    validator_for(doc, response_schema(doc, "PUT", "/children/{child_id}/typical-week")
                  ).validate(body(saved))
    listed = api.get("/family/typical-weeks")
    validator_for(doc, response_schema(doc, "GET", "/family/typical-weeks")
                  ).validate(body(listed))
    applied = api.post("/family/typical-weeks/apply", {
        "children": ["1001-1"], "from": "2026-11-30", "to": "2026-12-31",
        "recurrence": "odd_weeks"})
    validator_for(doc, response_schema(doc, "POST", "/family/typical-weeks/apply")
                  ).validate(body(applied))
    refused = api.post("/family/typical-weeks/apply", {
        "children": ["1001-1"], "from": "2026-11-23", "to": "2026-11-29",
        "recurrence": "every_week"})
    assert refused.status_code == 422
    schema = _anchored(doc["components"]["responses"]["TypicalWeekRefused"]
                       ["content"]["application/json"]["schema"])
    validator_for(doc, schema).validate(body(refused))


def test_a_schema_mismatch_is_caught(doc):
    schema = response_schema(doc, "GET", "/family")
    with pytest.raises(jsonschema.ValidationError):
        validator_for(doc, schema).validate({"number": "1001"})


def test_every_write_documents_its_json_body_and_the_refusals_of_forged_writes(doc):
    """Issue 15: every POST, PUT and DELETE must say application/json (415 otherwise) and
    is refused from another origin (403): both answers are documented, and a write that
    takes no data documents the empty JSON body it sends."""
    problems = []
    for method, path, operation in operations(doc):
        if method not in ("POST", "PUT", "DELETE", "PATCH"):
            continue
        body = operation.get("requestBody")
        if body is None:
            problems.append(f"{method} {path}: no request body (an empty JSON one?)")
        elif "$ref" not in body and "application/json" not in body["content"]:
            problems.append(f"{method} {path}: body is not JSON")
        if path == "/payfip/notification":
            continue  # PayFip's server: a form, not checked for its origin
        for status in ("403", "415"):
            if status not in operation["responses"]:
                problems.append(f"{method} {path}: no {status}")
    assert problems == []
