"""Runs a marshmallow schema over form input and gives back translated messages per field."""

from marshmallow import Schema, ValidationError


def validate(schema: Schema, data: dict) -> tuple[dict, dict[str, str]]:
    try:
        return schema.load(data), {}
    except ValidationError as err:
        messages = {}
        for field, msgs in err.normalized_messages().items():
            messages[field] = str(msgs[0] if isinstance(msgs, list) else msgs)
        return {}, messages
