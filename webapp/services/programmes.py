"""Programme templates: "Øygarden: 5 weeks × 2 sessions" and a blank one, and applying one to a
group as dated sessions. The texts are translated when shown, so a session that keeps its
template's text reads in each person's own language."""

from dataclasses import dataclass

from flask_babel import LazyString


@dataclass(frozen=True)
class SessionTemplate:
    number: int  # 1-based
    week: int
    theme: LazyString
    agenda: LazyString  # what happens, for everyone
    bring: LazyString  # "what to bring", for participants
    guide: LazyString  # the counsellors' short guide: principles and this session's exercises


@dataclass(frozen=True)
class Template:
    key: str  # "oygarden" | "blank"
    name: LazyString
    sessions: tuple[SessionTemplate, ...]


TEMPLATES: dict[str, Template] = {}  # filled in by the plan room
