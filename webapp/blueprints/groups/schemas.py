"""Validation of the counsellor's group forms."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validates, validates_schema

from webapp.forms import REQUIRED, Username
from webapp.services import members


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


class AddMemberSchema(Schema):
    """A counsellor adds a participant. The birth year is checked here and then forgotten; under
    the self sign-up age a guardian's name, the day they agreed and a tick are required."""

    display_name = fields.String(required=True, error_messages=REQUIRED)
    username = Username(required=True, error_messages=REQUIRED)
    birth_year = fields.Integer(
        required=True,
        error_messages={**REQUIRED, "invalid": _l("Write the year they were born, like 2010.")},
    )
    guardian_name = fields.String(load_default="")
    guardian_agreed_on = fields.Date(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": _l("Choose a date, like 2026-01-15.")},
    )
    guardian_agreed = fields.Boolean(load_default=False, truthy={"1", "on", "true", True})

    @pre_load
    def _blank_is_missing(self, data, **_kw):
        data = dict(data)
        for key in ("guardian_agreed_on", "guardian_agreed"):
            if data.get(key) in ("", None):
                data.pop(key, None)
        return data

    @validates("display_name")
    def _display_name(self, value: str, **_kw) -> None:
        if not 1 <= len(value.strip()) <= 60:
            raise ValidationError(_l("Write a name of up to 60 characters. A nickname is fine."))

    @validates("birth_year")
    def _birth_year(self, value: int, **_kw) -> None:
        this_year = date.today().year
        if not this_year - 100 <= value <= this_year:
            raise ValidationError(_l("Write the year they were born, like 2010."))
        if members.too_young(value):
            raise ValidationError(
                _l(
                    "Stegvis is for people aged %(age)s and older. Someone this young cannot be"
                    " added, also not with a guardian's consent.",
                    age=members.MIN_AGE,
                )
            )

    @validates_schema(skip_on_field_errors=False)
    def _guardian(self, data: dict, **_kw) -> None:
        year = data.get("birth_year")
        if year is None or not members.needs_guardian(year) or members.too_young(year):
            return
        problems = {}
        if not 1 <= len(data.get("guardian_name", "").strip()) <= 120:
            problems["guardian_name"] = _l("Write the guardian's name.")
        agreed_on = data.get("guardian_agreed_on")
        if agreed_on is None:
            problems["guardian_agreed_on"] = _l("Choose the day the guardian agreed.")
        elif agreed_on > date.today():
            problems["guardian_agreed_on"] = _l("That day has not come yet.")
        elif agreed_on < date.today() - timedelta(days=365):
            problems["guardian_agreed_on"] = _l(
                "That is more than a year ago. Ask the guardian again."
            )
        if not data.get("guardian_agreed"):
            problems["guardian_agreed"] = _l("Tick this when a guardian has agreed.")
        if problems:
            raise ValidationError({k: [str(v)] for k, v in problems.items()})
