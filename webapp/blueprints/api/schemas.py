"""Marshmallow schemas of the API; the OpenAPI document is generated from them."""

from marshmallow import Schema, fields

from webapp.forms import REQUIRED


class CredentialsSchema(Schema):
    username = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(required=True, load_only=True, error_messages=REQUIRED)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    locale = fields.String(allow_none=True)


class SessionSchema(Schema):
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String()


class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "Stable, machine-readable reason"})
    message = fields.String(metadata={"description": "Translated, for people"})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Field name to translated message"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)
    csrf_token = fields.String(metadata={"description": "Only on 401 from GET /session"})


# --- "Download my data" (webapp/blueprints/api/exports.py) -------------------------------------


class ExportRequestSchema(Schema):
    fresh = fields.Boolean(
        load_default=False,
        metadata={"description": "Make a new file even if a ready one is still there"},
    )


class ExportSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "queued | building | ready | failed"})
    progress = fields.Integer(metadata={"description": "0–100"})
    size = fields.Integer(metadata={"description": "Bytes, once ready"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "Ready until then"})
    download_url = fields.String(allow_none=True, metadata={"description": "Once ready"})
