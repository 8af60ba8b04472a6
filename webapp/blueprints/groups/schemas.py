"""Validation of the counsellor's group forms."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates

from webapp.forms import REQUIRED


class GroupSchema(Schema):
    name = fields.String(required=True, error_messages=REQUIRED)
    office_id = fields.Integer(
        required=True, error_messages={**REQUIRED, "invalid": _l("Choose an office.")}
    )
    start_date = fields.Date(
        required=True,
        error_messages={**REQUIRED, "invalid": _l("Choose a date, like 2026-01-15.")},
    )

    @validates("name")
    def _name(self, value: str, **_kw) -> None:
        if not 1 <= len(value.strip()) <= 80:
            raise ValidationError(_l("Write a name of up to 80 characters."))


class MentorInviteSchema(Schema):
    note = fields.String(load_default="")

    @validates("note")
    def _note(self, value: str, **_kw) -> None:
        if len(value) > 80:
            raise ValidationError(_l("Use at most 80 characters."))
