"""Runs a marshmallow schema over form or JSON input and gives back one translated message per
field, so that pages and the API speak the same way about bad input."""

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from webapp.services.logins import USERNAME, normalise_username

# The message for an empty required field, shared by every schema.
REQUIRED = {"required": _l("Please fill in this field."), "null": _l("Please fill in this field.")}


class Username(fields.String):
    """A username as people may choose it: the one rule for sign-up and for accounts admins make."""

    def _validate(self, value):
        super()._validate(value)
        if not USERNAME.match(normalise_username(value)):
            raise ValidationError(
                str(_l("Use 3–40 letters a–z, digits, dot, dash or underscore, no spaces."))
            )


def messages_of(err: ValidationError) -> dict[str, str]:
    """marshmallow gives a list per field; people need one clear sentence."""
    out = {}
    for field, msgs in err.normalized_messages().items():
        out[field] = str(msgs[0] if isinstance(msgs, list) else msgs)
    return out


def validate(schema: Schema, data: dict) -> tuple[dict, dict[str, str]]:
    """(clean data, {}) or ({}, {field: message}); fields the schema does not know are ignored."""
    try:
        return schema.load(data, unknown=EXCLUDE), {}
    except ValidationError as err:
        return {}, messages_of(err)
