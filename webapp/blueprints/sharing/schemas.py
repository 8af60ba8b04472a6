"""Input rules and output shapes of sharing, for the pages and the API alike.

Output shapes hold what the audience may see and nothing else: no owner's username, no private
fields of other people, and never who gave an anonymous strength word.
"""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from webapp.forms import REQUIRED
from webapp.models import ItemKind, Reaction
from webapp.services.sharing import REASON_MAX, REPLY_MAX, STRENGTH_WORDS, WORD_MAX


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_l("Please fill in this field."))


def _audience() -> fields.String:
    choose = _l("Choose who you want to share with.")
    return fields.String(
        required=True,
        error_messages={"required": choose, "null": choose},
        metadata={"description": 'One of my groups or accepted mentors: "group:3" or "mentor:7"'},
    )


class ShareCreateSchema(Schema):
    kind = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf([k.value for k in ItemKind], error=_l("Choose what to share.")),
    )
    item_id = fields.Integer(required=True, error_messages=REQUIRED, strict=False)
    audience = _audience()
    include_voice = fields.Boolean(load_default=False)


class SheetSchema(Schema):
    """The share sheet's form: the item comes from the URL."""

    audience = _audience()
    include_voice = fields.Boolean(load_default=False)


class ReplySchema(Schema):
    text = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(
            max=REPLY_MAX, error=_l("Write up to %(n)s characters.", n=REPLY_MAX)
        ),
    )

    @validates("text")
    def _text(self, value: str, **_kw) -> None:
        _not_blank(value)


class ReactionSchema(Schema):
    reaction = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.OneOf([r.value for r in Reaction], error=_l("Choose a reaction.")),
    )


class StrengthWordSchema(Schema):
    preset = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(list(STRENGTH_WORDS), error=_l("Choose a word from the list.")),
        metadata={"description": "A key from the preset list"},
    )
    text = fields.String(
        load_default="",
        validate=validate.Length(
            max=WORD_MAX, error=_l("Write up to %(n)s characters.", n=WORD_MAX)
        ),
        metadata={"description": "Your own word, when no preset is chosen"},
    )
    show_name = fields.Boolean(load_default=True)

    @validates_schema
    def _one_word(self, data: dict, **_kw) -> None:
        if not data.get("preset") and not (data.get("text") or "").strip():
            raise ValidationError(_l("Choose a word or write your own."), "preset")


class ReportSchema(Schema):
    reason = fields.String(
        load_default="",
        validate=validate.Length(
            max=REASON_MAX, error=_l("Write up to %(n)s characters.", n=REASON_MAX)
        ),
    )
    reply_id = fields.Integer(allow_none=True, load_default=None)


class HideSchema(Schema):
    reason = fields.String(
        required=True,
        error_messages=REQUIRED,
        validate=validate.Length(
            max=REASON_MAX, error=_l("Write up to %(n)s characters.", n=REASON_MAX)
        ),
    )

    @validates("reason")
    def _reason(self, value: str, **_kw) -> None:
        _not_blank(value)


# --- output ---


class PersonOut(Schema):
    id = fields.Integer()
    display_name = fields.String()


class AudienceOut(Schema):
    key = fields.String(metadata={"description": '"group:3" or "mentor:7"'})
    kind = fields.String(metadata={"description": "group | mentor"})
    name = fields.String()


class SharedVoiceOut(Schema):
    url = fields.String()
    mime = fields.String()
    duration_ms = fields.Integer(allow_none=True)


class ItemOut(Schema):
    """The shared item as its audience sees it."""

    kind = fields.String()
    title = fields.String(allow_none=True, metadata={"description": "Goals and steps"})
    why = fields.String(allow_none=True, metadata={"description": "Goals"})
    theme = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    steps_done = fields.Integer(allow_none=True)
    steps_total = fields.Integer(allow_none=True)
    goal_title = fields.String(allow_none=True, metadata={"description": "A step's goal"})
    done_at = fields.DateTime(allow_none=True)
    mood = fields.Integer(allow_none=True)
    text = fields.String(allow_none=True, metadata={"description": "Entries"})
    written_at = fields.DateTime(allow_none=True)
    voice = fields.Nested(SharedVoiceOut, allow_none=True)


class ReactionOut(Schema):
    reaction = fields.String()
    names = fields.List(fields.String(), metadata={"description": "Who reacted"})
    mine = fields.Boolean()


class ReplyOut(Schema):
    id = fields.Integer()
    author = fields.Nested(PersonOut, allow_none=True, metadata={"description": "null: deleted"})
    text = fields.String()
    created_at = fields.DateTime()
    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True)


class WordOut(Schema):
    id = fields.Integer()
    word = fields.String(metadata={"description": "In the reader's language"})
    preset = fields.String(allow_none=True)
    from_name = fields.String(
        allow_none=True, metadata={"description": "Only if the giver chose to show their name"}
    )
    created_at = fields.DateTime()
    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True)


class ShareOut(Schema):
    id = fields.Integer()
    owner = fields.Nested(PersonOut)
    audience = fields.Nested(AudienceOut)
    item = fields.Nested(ItemOut)
    include_voice = fields.Boolean()
    shared_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True, metadata={"description": "Owner only"})
    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True, metadata={"description": "Owner only"})
    url = fields.String(metadata={"description": "The item page"})
    reactions = fields.List(fields.Nested(ReactionOut))
    reply_count = fields.Integer()
    replies = fields.List(fields.Nested(ReplyOut))
    words = fields.List(fields.Nested(WordOut))


class FeedPage(Schema):
    items = fields.List(fields.Nested(ShareOut))
    next_cursor = fields.String(allow_none=True)
