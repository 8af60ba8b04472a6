"""Validation of sign-up and login input, with messages in the user's language."""

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates

from webapp.forms import REQUIRED, Username
from webapp.services import passwords


class LoginSchema(Schema):
    username = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(required=True, error_messages=REQUIRED)


READ_FIRST = _l("Tick the box to show you have read it.")


class AccountSchema(Schema):
    """What every self-made account needs: a username, a name to show, a password."""

    username = Username(required=True, error_messages=REQUIRED)
    display_name = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(required=True, error_messages=REQUIRED)
    # "I have read how Stegvis handles my data" (the privacy notice; recorded as acknowledged).
    privacy = fields.String(required=True, error_messages={"required": READ_FIRST})

    @validates("privacy")
    def _privacy(self, value: str, **_kw) -> None:
        if value != "yes":
            raise ValidationError(READ_FIRST)

    @validates("display_name")
    def _display_name(self, value: str, **_kw) -> None:
        if not 1 <= len(value.strip()) <= 60:
            raise ValidationError(_l("Write a name of up to 60 characters. A nickname is fine."))

    @validates("password")
    def _password(self, value: str, **_kw) -> None:
        _check_password(value)


class SignupSchema(AccountSchema):
    birth_year = fields.Integer(
        required=True,
        error_messages={**REQUIRED, "invalid": _l("Write the year you were born, like 2007.")},
    )

    @validates("birth_year")
    def _birth_year(self, value: int, **_kw) -> None:
        this_year = date.today().year
        if not this_year - 100 <= value <= this_year:
            raise ValidationError(_l("Write the year you were born, like 2007."))
        if this_year - value < current_app.config["SIGNUP_MIN_AGE"]:
            raise ValidationError(
                _l("You are a bit too young to sign up yourself. Ask your counsellor to add you.")
            )


def _check_password(value: str) -> None:
    if len(value) < passwords.MIN_LENGTH:
        raise ValidationError(_l("Use at least 10 characters. A short sentence works well."))
    if len(value) > 200:
        raise ValidationError(_l("Use at most 200 characters."))
    if passwords.is_common(value):
        raise ValidationError(_l("This password is too common. Try a short sentence."))


class ResetSchema(Schema):
    username = fields.String(required=True, error_messages=REQUIRED)
    code = fields.String(required=True, error_messages=REQUIRED)
    password = fields.String(required=True, error_messages=REQUIRED)

    @validates("password")
    def _password(self, value: str, **_kw) -> None:
        _check_password(value)


class MentorSignupSchema(AccountSchema):
    """Mentors are adults invited by a counsellor; no birth year is asked."""
