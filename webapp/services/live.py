"""The live session: what a phone, the counsellor and the big screen see, and the counsellor's
moves (start, show a dilemma, reveal, hide, silence timer, strength-word round, end).

Every change anyone in the room can see goes through `touch`, which grows the session's
version: that number is the live view's ETag, so a phone asking about an unchanged session
gets a 304 after one small query.
"""

from sqlalchemy import update

from webapp.extensions import db
from webapp.models import GroupSession
from webapp.models.base import utcnow


def touch(session_id: int) -> None:
    """One more version of the session: every live view fetches the new state on its next poll."""
    db.session.execute(
        update(GroupSession)
        .where(GroupSession.id == session_id)
        .values(version=GroupSession.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
