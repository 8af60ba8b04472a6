"""Validation of the admin forms."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates

from webapp.forms import REQUIRED, Username


def _length(value: str, most: int) -> None:
    if not 1 <= len(value.strip()) <= most:
        raise ValidationError(_l("Write up to %(n)s characters.", n=most))


class OfficeSchema(Schema):
    name = fields.String(required=True, error_messages=REQUIRED)
    municipality = fields.String(required=True, error_messages=REQUIRED)

    @validates("name")
    def _name(self, value: str, **_kw) -> None:
        _length(value, 120)

    @validates("municipality")
    def _municipality(self, value: str, **_kw) -> None:
        _length(value, 120)


class CounsellorSchema(Schema):
    username = Username(required=True, error_messages=REQUIRED)
    display_name = fields.String(required=True, error_messages=REQUIRED)
    office_id = fields.Integer(
        required=True, error_messages={**REQUIRED, "invalid": _l("Choose an office.")}
    )

    @validates("display_name")
    def _display_name(self, value: str, **_kw) -> None:
        _length(value, 60)
