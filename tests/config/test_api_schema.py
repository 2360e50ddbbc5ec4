"""/api/v1/schema/: the OpenAPI document generates cleanly and documents every operation's
errors, including the 409 an officer deciding second receives."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

SCHEMA = "/api/v1/schema/"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: {**op, "path": path, "method": method}
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_the_schema_generates_and_validates_without_a_warning(tmp_path):
    GENERATOR_STATS.reset()  # warnings are counted per process; count only this run's
    out = tmp_path / "schema.yaml"
    stderr = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=stderr)

    assert stderr.getvalue() == ""
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_the_schema_is_served_as_json_by_default_and_yaml_on_request(db):
    client = APIClient()

    as_json = client.get(SCHEMA)
    as_yaml = client.get(f"{SCHEMA}?format=yaml")

    assert as_json.status_code == 200
    assert "json" in as_json["Content-Type"]
    document = json.loads(as_json.content)
    assert document["info"]["title"] == "PKH Graduasi API"
    assert "/api/v1/proposals/{id}/approve/" in document["paths"]
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.content)["paths"].keys() == document["paths"].keys()


def test_approve_documents_the_409_a_second_officer_gets(schema):
    approve = operations(schema)["proposals_approve"]

    assert approve["path"] == "/api/v1/proposals/{id}/approve/"
    conflict = approve["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "conflict" in conflict["description"]


EXPECTED = {
    "proposals_list": ("get", {"200", "400", "401", "403", "404"}),
    "proposals_retrieve": ("get", {"200", "401", "403", "404"}),
    "proposals_create": ("post", {"201", "400", "401", "403"}),
    "proposals_update": ("put", {"200", "400", "401", "403", "404"}),
    "proposals_statement": ("post", {"200", "400", "401", "403", "404"}),
    "proposals_submit": ("post", {"200", "400", "401", "403", "404"}),
    "proposals_withdraw": ("post", {"200", "400", "401", "403", "404"}),
    "proposals_approve": ("post", {"200", "400", "401", "403", "404", "409"}),
    "proposals_reject": ("post", {"200", "400", "401", "403", "404", "409"}),
    "proposals_return": ("post", {"200", "400", "401", "403", "404", "409"}),
}


def test_every_proposal_operation_is_named_tagged_and_documents_its_errors(schema):
    found = {k: op for k, op in operations(schema).items() if k.startswith("proposals_")}

    assert set(found) == set(EXPECTED)
    for operation_id, (method, statuses) in EXPECTED.items():
        op = found[operation_id]
        assert op["method"] == method, operation_id
        assert set(op["responses"]) == statuses | {"429"}, operation_id
        assert op["tags"] == ["usulan"], operation_id
        assert op["summary"], operation_id
        assert op["security"] == [{"apiKey": []}, {"cookieAuth": []}], operation_id


def test_errors_have_one_documented_shape(schema):
    components = schema["components"]["schemas"]

    assert components["Error"]["required"] == ["code", "detail"]
    assert components["ValidationError"]["required"] == ["code", "detail"]
    assert "fields" in components["ValidationError"]["properties"]
    reject = operations(schema)["proposals_reject"]
    assert reject["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }


def test_a_statement_is_uploaded_as_multipart_and_decisions_as_json(schema):
    found = operations(schema)

    assert list(found["proposals_statement"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert list(found["proposals_approve"]["requestBody"]["content"]) == ["application/json"]
    reject = schema["components"]["schemas"]["RejectRequest"]
    assert reject["required"] == ["reason"]


def test_no_proposal_field_is_a_nik(schema):
    proposal = schema["components"]["schemas"]["Proposal"]["properties"]

    assert not [name for name in proposal if "nik" in name.lower()]
    assert {"kpm_id", "status", "decided_by", "economic_assessment"} <= set(proposal)


@pytest.mark.django_db
def test_the_interactive_docs_are_served_from_the_project_with_no_outside_request(client):
    import re

    from django.contrib.staticfiles import finders

    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses, html
    assert not [a for a in addresses if a.startswith(("http:", "https:", "//"))]
    # The Swagger UI files it names are the project's own static files.
    static = [a.split("?")[0].removeprefix("/static/") for a in addresses if "/static/" in a]
    assert any("swagger-ui" in name for name in static)
    assert all(finders.find(name) for name in static)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert not re.search(r"https?://", script.content.decode())
