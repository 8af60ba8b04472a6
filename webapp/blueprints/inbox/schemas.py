"""Shapes of notices, mentor links and strength words in the API (the OpenAPI document reads
them). A notice carries who did what and where to go, never the words: what a push would carry."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates_schema

from webapp.forms import REQUIRED


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "reply, reaction, strength_word, shared, …"})
    actor = fields.String(
        allow_none=True, metadata={"description": "Display name; null when the giver hid it"}
    )
    sentence = fields.String(metadata={"description": "The notice in plain words, translated"})
    url = fields.String(metadata={"description": "Where the app goes when the notice is opened"})
    thread = fields.String(metadata={"description": "share:12 | link:3: one thread per item"})
    created_at = fields.DateTime()
    read = fields.Boolean()


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer(metadata={"description": "Unread notices in all (the badge)"})


class ReadSchema(Schema):
    ids = fields.List(fields.Integer(), load_default=None)
    all = fields.Boolean(load_default=False)

    @validates_schema
    def _one_of(self, data, **_kw):
        if not data.get("all") and not data.get("ids"):
            raise ValidationError(_l("Give the ids to mark, or all."), "ids")


class ReadOut(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class LinkPersonOut(Schema):
    id = fields.Integer()
    display_name = fields.String()


class MentorLinkOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending, accepted, declined or ended"})
    participant = fields.Nested(LinkPersonOut)
    mentor = fields.Nested(LinkPersonOut)
    created_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    can_answer = fields.Boolean()
    can_end = fields.Boolean()


class MentorLinkCreate(Schema):
    participant_id = fields.Integer(
        required=True, strict=False, error_messages={**REQUIRED, "invalid": _l("Choose a person.")}
    )
    mentor_id = fields.Integer(
        required=True, strict=False, error_messages={**REQUIRED, "invalid": _l("Choose a mentor.")}
    )
    group_id = fields.Integer(load_default=None, allow_none=True)


class StrengthWordOut(Schema):
    id = fields.Integer()
    word = fields.String(metadata={"description": "In my language (a preset) or as written"})
    preset = fields.String(allow_none=True)
    giver = fields.String(allow_none=True, metadata={"description": "Null unless they showed it"})
    created_at = fields.DateTime()


class StrengthWordsOut(Schema):
    items = fields.List(fields.Nested(StrengthWordOut))
    cv = fields.List(fields.String(), metadata={"description": "Each word once, most given first"})
