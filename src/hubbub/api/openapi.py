"""The OpenAPI document of the Web API, built from the method tables (/api/openapi.json)."""

from __future__ import annotations

from typing import Any

from hubbub import __version__
from hubbub.api.registry import Method

_TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "json": "string"}

_ENVELOPE = {
    "type": "object",
    "required": ["ok"],
    "properties": {"ok": {"type": "boolean"}, "error": {"type": "string"}},
}


def document(methods: dict[str, Method]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in sorted(methods):
        method = methods[name]
        props = {arg: {"type": _TYPES[kind]} for arg, kind in method.args.items()}
        # In a JSON body a structured argument (blocks, attachments, ...) is the value itself,
        # as slack_sdk sends it, or JSON text as in a form: any JSON value, so no type.
        json_props = {
            arg: {} if kind == "json" else {"type": _TYPES[kind]}
            for arg, kind in method.args.items()
        }
        answers = {
            "200": {
                "description": "Slack's envelope: ok, or error with a code",
                "content": {"application/json": {"schema": _ENVELOPE}},
            },
            "413": {"description": "request body over the size cap"},
            "429": {
                "description": "rate limited; Retry-After tells the seconds to wait",
                "content": {"application/json": {"schema": _ENVELOPE}},
            },
        }
        security: list[dict[str, list[str]]] = [{"bearer": []}] if method.auth else []
        paths[f"/api/{name}"] = {
            "post": {
                "operationId": name,
                "summary": method.description,
                "security": security,
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object", "properties": props}
                        },
                        "application/json": {
                            "schema": {"type": "object", "properties": json_props}
                        },
                    },
                },
                "responses": answers,
            },
            "get": {
                "operationId": name + ".get",
                "summary": method.description,
                "security": security,
                "parameters": [
                    {"name": arg, "in": "query", "required": False, "schema": schema}
                    for arg, schema in props.items()
                ],
                "responses": answers,
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "hubbub Web API (Slack compatible)", "version": __version__},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
