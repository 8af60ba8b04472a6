"""Shapes of the push API (the OpenAPI document reads them)."""

from marshmallow import Schema, fields, validate

from webapp.forms import REQUIRED


class KeyOut(Schema):
    public_key = fields.String(
        metadata={"description": "VAPID application server key, base64url (65-byte P-256 point)"}
    )


class SubscriptionKeys(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(1, 120), error_messages=REQUIRED)
    auth = fields.String(required=True, validate=validate.Length(1, 40), error_messages=REQUIRED)


class SubscriptionIn(Schema):
    """What `PushSubscription.toJSON()` gives, as the browser made it."""

    endpoint = fields.String(
        required=True, validate=validate.Length(1, 1000), error_messages=REQUIRED
    )
    keys = fields.Nested(SubscriptionKeys, required=True, error_messages=REQUIRED)
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # the browser's name


class EndpointIn(Schema):
    endpoint = fields.String(
        required=True, validate=validate.Length(1, 1000), error_messages=REQUIRED
    )


class DeviceOut(Schema):
    id = fields.Integer()
    label = fields.String(metadata={"description": "Browser and system, e.g. Chrome · Android"})
    enabled = fields.Boolean()
    created_at = fields.DateTime()
    last_success_at = fields.DateTime(allow_none=True)
    last_failure_at = fields.DateTime(allow_none=True)
    failure_count = fields.Integer(metadata={"description": "Failed pushes in a row"})
    this_device = fields.Boolean(metadata={"description": "The endpoint given in ?endpoint="})
