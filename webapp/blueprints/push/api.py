"""The push API under /api/v1: the server key, and a device's subscription.

A subscription's endpoint is checked before it is stored (https, port 443, a known push service,
no IP literals or user names); a refused one is answered 400 and never contacted.
"""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.push import bp
from webapp.blueprints.push.schemas import DeviceOut, EndpointIn, KeyOut, SubscriptionIn
from webapp.extensions import db
from webapp.forms import validate
from webapp.services import access, push

V1 = "/api/v1"


def device_json(sub, endpoint: str | None = None) -> dict:
    return DeviceOut().dump(
        {
            "id": sub.id,
            "label": sub.label,
            "enabled": sub.enabled,
            "created_at": sub.created_at,
            "last_success_at": sub.last_success_at,
            "last_failure_at": sub.last_failure_at,
            "failure_count": sub.failure_count,
            "this_device": endpoint is not None and sub.endpoint == endpoint,
        }
    )


@bp.get(V1 + "/push/key")
@access.logged_in
@operation(
    summary="The VAPID public key to pass to pushManager.subscribe() as applicationServerKey",
    responses={200: body(KeyOut)},
)
def api_key():
    response = jsonify(public_key=push.public_key())
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get(V1 + "/push/subscriptions")
@access.logged_in
@operation(
    summary="My devices that get notifications (?endpoint= marks this device)",
    responses={200: body(DeviceOut(many=True))},
)
def api_subscriptions():
    endpoint = request.args.get("endpoint")
    return jsonify([device_json(sub, endpoint) for sub in push.devices(current_user)])


@bp.post(V1 + "/push/subscriptions")
@access.logged_in
@operation(
    summary="Store this device's push subscription (idempotent; refreshes the keys)",
    requestBody={"content": {"application/json": {"schema": SubscriptionIn}}},
    responses={
        201: body(DeviceOut, "Stored"),
        200: body(DeviceOut, "Already stored; refreshed"),
        400: body(ErrorSchema, "Invalid, or the endpoint is not at a known push service"),
    },
)
def api_subscribe():
    data, problems = validate(SubscriptionIn(), json_body())
    if problems:
        return invalid(problems)
    endpoint = data["endpoint"]
    existed = push.subscription_exists(endpoint)
    try:
        sub = push.subscribe(
            current_user,
            endpoint,
            data["keys"]["p256dh"],
            data["keys"]["auth"],
            push.device_label(request.headers.get("User-Agent", "")),
        )
    except push.EndpointRefused:
        return error(
            400,
            "endpoint_refused",
            _("This browser's notification service is not one we can send to."),
            {"endpoint": _("Not a known push service.")},
        )
    db.session.commit()
    return jsonify(device_json(sub, endpoint)), 200 if existed else 201


@bp.delete(V1 + "/push/subscriptions")
@access.logged_in
@operation(
    summary='Forget this device\'s subscription: {"endpoint": "…"} (after unsubscribe())',
    requestBody={"content": {"application/json": {"schema": EndpointIn}}},
    responses={
        204: {"description": "Forgotten"},
        400: body(ErrorSchema),
        404: body(ErrorSchema, "Not yours, or not there"),
    },
)
def api_unsubscribe():
    data, problems = validate(EndpointIn(), json_body())
    if problems:
        return invalid(problems)
    if not push.unsubscribe(current_user, data["endpoint"]):
        abort(404)
    db.session.commit()
    return "", 204
