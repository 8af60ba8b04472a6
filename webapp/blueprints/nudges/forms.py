"""Input of the nudges pages and API (marshmallow via forms.validate)."""

from datetime import time

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.forms import REQUIRED
from webapp.services.reminders import TEMPLATES
from webapp.services.scheduling import WEEKDAYS

CLOCK = {"invalid": _l("Write a time like 20:00.")}
DAY = {"invalid": _l("Choose a date.")}


class Clock(fields.Time):
    """A time from <input type="time">: "20:00" (seconds are dropped)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        return time(parsed.hour, parsed.minute)


class SettingsForm(Schema):
    quiet_start = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    quiet_end = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    step_nudges = fields.Boolean(load_default=False)
    session_nudges = fields.Boolean(load_default=False)
    inactive_nudges = fields.Boolean(load_default=False)
    inbox_pushes = fields.Boolean(load_default=False)
    inactive_days = fields.Integer(
        load_default=4,
        validate=validate.Range(2, 14, error=_l("Choose between 2 and 14 days.")),
        error_messages={"invalid": _l("Choose between 2 and 14 days.")},
    )


class OwnNudgeForm(Schema):
    what = fields.String(
        required=True,
        validate=validate.OneOf(["journal", "step"]),
        error_messages=REQUIRED,
    )
    at = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    days = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), load_default=list)
    step_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _needs(self, data, **_kw):
        if data.get("what") == "journal" and not data.get("days"):
            raise ValidationError(str(_l("Choose at least one day.")), "days")
        if data.get("what") == "step" and not data.get("step_id"):
            raise ValidationError(str(_l("Choose a step.")), "step_id")


class ReminderForm(Schema):
    group_id = fields.Integer(required=True, error_messages=REQUIRED)
    audience = fields.String(load_default="group", validate=validate.OneOf(["group", "chosen"]))
    recipients = fields.List(fields.Integer(), load_default=list)
    template = fields.String(load_default="", validate=validate.OneOf(["", *TEMPLATES]))
    text = fields.String(
        load_default="",
        validate=validate.Length(max=140, error=_l("At most 140 characters.")),
    )
    repeat = fields.String(load_default="once", validate=validate.OneOf(["once", "weekly"]))
    start_date = fields.Date(required=True, error_messages={**REQUIRED, **DAY})
    at = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    days = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), load_default=list)
    until = fields.Date(load_default=None, allow_none=True, error_messages=DAY)

    @validates_schema
    def _complete(self, data, **_kw):
        data["text"] = (data.get("text") or "").strip()
        if not data.get("template") and not data["text"]:
            raise ValidationError(str(_l("Choose a message or write one.")), "text")
        if data.get("repeat") == "weekly" and not data.get("days"):
            raise ValidationError(str(_l("Choose at least one day.")), "days")
        if data.get("audience") == "chosen" and not data.get("recipients"):
            raise ValidationError(str(_l("Choose at least one participant.")), "recipients")
        until = data.get("until")
        if until is not None and until < data.get("start_date", until):
            raise ValidationError(str(_l("The last day cannot be before the first.")), "until")


class SnoozeSchema(Schema):
    delivery_id = fields.Integer(required=True, error_messages=REQUIRED)


class SnoozeOut(Schema):
    delivery_id = fields.Integer(metadata={"description": "The new delivery, an hour from now"})
    due_at = fields.DateTime()
