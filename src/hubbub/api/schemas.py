"""The pieces the OpenAPI 3.0 schemas of /api/openapi.json are built of (api/records.py,
api/responses.py): JSON types, references, closed objects."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
# A message ts as hubbub writes it (domain/ts.py): ten digits of seconds, six of microseconds.
TS: Schema = {"type": "string", "pattern": r"^[0-9]{10}\.[0-9]{6}$"}
ANY_OBJECT: Schema = {"type": "object"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    """schema or null; OpenAPI 3.0's `nullable` counts only beside a `type`."""
    assert "type" in schema
    return {**schema, "nullable": True}


# null alone, for an anyOf of references (OpenAPI 3.0 has no null type).
NULL: Schema = {"type": "object", "nullable": True, "enum": [None]}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """A closed object: these keys, the required ones always, nothing else."""
    out: Schema = {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    return out


def any_of_refs(*names: str) -> Schema:
    return {"anyOf": [ref(n) for n in names]}
