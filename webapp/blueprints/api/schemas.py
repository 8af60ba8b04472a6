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
