"""Shapes of the privacy API (the OpenAPI document reads them)."""

from marshmallow import Schema, fields


class VersionChanges(Schema):
    version = fields.Integer()
    updated_on = fields.Date(allow_none=True)
    changes = fields.List(fields.String(), metadata={"description": "Translated, plain words"})


class PrivacyOut(Schema):
    version = fields.Integer(metadata={"description": "The current version of the notice"})
    acknowledged_version = fields.Integer(
        allow_none=True,
        metadata={
            "description": "The newest version this person acknowledged: 0 if none, "
            "null when not logged in"
        },
    )
    needs_acknowledgement = fields.Boolean()
    changes = fields.List(
        fields.Nested(VersionChanges),
        metadata={"description": "Versions after the acknowledged one, newest first"},
    )
    notice_url = fields.String()
