"""The OpenAPI document, built from the marshmallow schemas and what each view declares."""

from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema


def operation(**spec) -> Callable[[Callable], Callable]:
    """Attach an OpenAPI operation (summary, requestBody, responses) to a view."""

    def decorate(view: Callable) -> Callable:
        view.openapi = spec
        return view

    return decorate


def body(schema: type[Schema], description: str = "") -> dict:
    return {"description": description or "OK", "content": {"application/json": {"schema": schema}}}


def build(app: Flask) -> dict:
    spec = APISpec(
        title="Stegvis API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Same session cookie as the pages. Send the CSRF token "
            "from GET /api/v1/session as X-CSRF-Token on every "
            "state-changing request."
        },
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        operation_spec = getattr(view, "openapi", None)
        if operation_spec is None:
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m.lower(): dict(operation_spec) for m in methods})
    return spec.to_dict()
