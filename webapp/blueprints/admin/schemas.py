"""Validation of the admin forms."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates

from webapp.forms import REQUIRED, Username
from webapp.services import retention


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


def _in_range(value: int, low: int, high: int, never: bool) -> None:
    if value == 0 and never:
        return
    if not low <= value <= high:
        if never:
            raise ValidationError(
                _l("Choose %(low)s–%(high)s, or 0 for never.", low=low, high=high)
            )
        raise ValidationError(_l("Choose %(low)s–%(high)s.", low=low, high=high))


class RetentionSchema(Schema):
    """An office's retention rules (webapp/services/retention.py has the ranges)."""

    inactive_months = fields.Integer(
        required=True, error_messages={**REQUIRED, "invalid": _l("Write a whole number.")}
    )
    warn_days = fields.Integer(
        required=True, error_messages={**REQUIRED, "invalid": _l("Write a whole number.")}
    )
    board_days = fields.Integer(
        required=True, error_messages={**REQUIRED, "invalid": _l("Write a whole number.")}
    )

    @validates("inactive_months")
    def _inactive_months(self, value: int, **_kw) -> None:
        _in_range(value, *retention.INACTIVE_MONTHS, never=True)

    @validates("warn_days")
    def _warn_days(self, value: int, **_kw) -> None:
        _in_range(value, *retention.WARN_DAYS, never=False)

    @validates("board_days")
    def _board_days(self, value: int, **_kw) -> None:
        _in_range(value, *retention.BOARD_DAYS, never=True)
