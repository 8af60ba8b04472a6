"""Validation and shapes of goals, steps and entries, shared by the pages and the API."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from webapp.forms import REQUIRED
from webapp.models import GoalStatus, Theme
from webapp.models.base import utcnow

CLIENT_ID = fields.UUID(
    required=True, error_messages={**REQUIRED, "invalid_uuid": _l("This is not a valid id.")}
)


def _text(most: int, required: bool = False) -> fields.String:
    return fields.String(
        required=required,
        error_messages=REQUIRED,
        validate=validate.Length(
            min=1 if required else 0,
            max=most,
            error=_l("Write up to %(n)s characters.", n=most)
            if not required
            else _l("Write between 1 and %(n)s characters.", n=most),
        ),
    )


def _not_future(value) -> None:
    if value.tzinfo is None:
        raise ValidationError(_l("Give the time with a time zone."))
    if value > utcnow() + timedelta(minutes=10):
        raise ValidationError(_l("This time is in the future."))


WHEN = {"invalid": _l("Choose a date, like 2026-01-15.")}


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_l("Please fill in this field."))


class GoalSchema(Schema):
    client_id = CLIENT_ID
    title = _text(120, required=True)
    why = _text(1000)
    theme = fields.String(
        load_default=Theme.OTHER,
        validate=validate.OneOf([t.value for t in Theme], error=_l("Choose a theme.")),
    )
    target_date = fields.Date(allow_none=True, error_messages=WHEN)

    @validates("title")
    def _title(self, value: str, **_kw) -> None:
        _not_blank(value)


class GoalUpdateSchema(Schema):
    title = _text(120, required=False)
    why = _text(1000)
    theme = fields.String(
        validate=validate.OneOf([t.value for t in Theme], error=_l("Choose a theme."))
    )
    target_date = fields.Date(allow_none=True, error_messages=WHEN)
    status = fields.String(
        validate=validate.OneOf([s.value for s in GoalStatus], error=_l("Choose a status."))
    )

    @validates("title")
    def _title(self, value: str, **_kw) -> None:
        _not_blank(value)


class StepSchema(Schema):
    client_id = CLIENT_ID
    title = _text(120, required=True)
    day = fields.Date(allow_none=True, error_messages=WHEN)

    @validates("title")
    def _title(self, value: str, **_kw) -> None:
        _not_blank(value)


class StepUpdateSchema(Schema):
    title = _text(120)
    day = fields.Date(allow_none=True, error_messages=WHEN)
    done = fields.Boolean()
    done_at = fields.AwareDateTime(validate=_not_future)


class StepOrderSchema(Schema):
    order = fields.List(fields.String(), required=True, error_messages=REQUIRED)


class EntrySchema(Schema):
    client_id = CLIENT_ID
    mood = fields.Integer(
        allow_none=True,
        validate=validate.Range(1, 5, error=_l("Choose one of the five faces.")),
        error_messages={"invalid": _l("Choose one of the five faces.")},
    )
    text = _text(5000)
    goal_ref = fields.String(allow_none=True, metadata={"description": "Goal id or client id"})
    written_at = fields.AwareDateTime(
        validate=_not_future, metadata={"description": "When it was written offline"}
    )
    has_voice = fields.Boolean(load_default=False, load_only=True)

    @validates_schema
    def _something(self, data: dict, **_kw) -> None:
        if (
            not data.get("mood")
            and not (data.get("text") or "").strip()
            and not data.get("has_voice")
        ):
            raise ValidationError(
                _l("Choose a face, write something or record a voice note."), "form"
            )


class EntryUpdateSchema(Schema):
    mood = fields.Integer(
        allow_none=True,
        validate=validate.Range(1, 5, error=_l("Choose one of the five faces.")),
        error_messages={"invalid": _l("Choose one of the five faces.")},
    )
    text = _text(5000)
    goal_ref = fields.String(allow_none=True)
    edited_at = fields.AwareDateTime(
        validate=_not_future, metadata={"description": "When the edit was made"}
    )
    based_on = fields.AwareDateTime(
        metadata={"description": "updated_at of the version the edit started from"}
    )


# --- what the API answers ----------------------------------------------------------------------


class StepOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    goal_id = fields.Integer()
    title = fields.String()
    day = fields.Date(allow_none=True)
    done = fields.Function(lambda step: step.done_at is not None)
    done_at = fields.AwareDateTime(allow_none=True)
    position = fields.Integer()
    updated_at = fields.AwareDateTime()


class GoalOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    title = fields.String()
    why = fields.String()
    theme = fields.String()
    target_date = fields.Date(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))


class VoiceOut(Schema):
    url = fields.String()
    mime = fields.String()
    size = fields.Integer()
    duration_ms = fields.Integer(allow_none=True)


class EntryOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    mood = fields.Integer(allow_none=True)
    text = fields.String()
    goal_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    voice = fields.Nested(VoiceOut, allow_none=True)


class EntryPage(Schema):
    items = fields.List(fields.Nested(EntryOut))
    next_cursor = fields.String(allow_none=True)


class RevisionOut(Schema):
    id = fields.Integer()
    mood = fields.Integer(allow_none=True)
    text = fields.String()
    written_at = fields.AwareDateTime()
