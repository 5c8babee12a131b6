"""Checking JSON against the schemas of /api/openapi.json (OpenAPI 3.0, so `nullable` is made
JSON Schema's `null` type first)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from hubbub.api.records import COMPONENTS


def _json_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def problems(schema: dict[str, Any], instance: Any) -> list[str]:
    """What in instance breaks schema (which may use the document's components); [] if none."""
    root = {**_json_schema(schema), "components": {"schemas": _json_schema(COMPONENTS)}}
    validator = jsonschema_rs.Draft4Validator(root)
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
