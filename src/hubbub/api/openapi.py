"""The OpenAPI document of the Web API, built from the method tables (/api/openapi.json)."""

from __future__ import annotations

from typing import Any

from hubbub import __version__
from hubbub.api.records import COMPONENTS
from hubbub.api.registry import Method
from hubbub.api.responses import success
from hubbub.api.schemas import ref

_TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "json": "string"}

_ERROR = {"application/json": {"schema": ref("Error")}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer"},
    }
}
# The same for every method: Slack's error envelope, with the HTTP status of what went wrong.
_FAILURES = {
    "413": {"description": "request body over the size cap", "content": _ERROR},
    "429": {
        "description": "rate limited; Retry-After tells the seconds to wait",
        "headers": _RETRY_AFTER,
        "content": _ERROR,
    },
    "503": {
        "description": "a store the answer needs is out of reach; try again after Retry-After",
        "headers": _RETRY_AFTER,
        "content": _ERROR,
    },
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
                "description": "ok with the method's fields, or Slack's error",
                "content": {
                    "application/json": {"schema": {"anyOf": [success(name), ref("Error")]}}
                },
            },
            **_FAILURES,
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
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": COMPONENTS,
        },
        "paths": paths,
    }
