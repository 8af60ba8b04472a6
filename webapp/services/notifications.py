"""The in-app inbox: one record per thing that happened to you, never its words.

Every reply, reaction, strength word, newly shared item (for mentors) and link request becomes a
`Notification`. The record is what the push issue delivers: kind, actor, thread and where to go,
so a push payload can be built from it without private content.
"""

from flask import url_for

from webapp.extensions import db
from webapp.models import MentorLink, Notification, Share, User


def notify(
    recipient_id: int,
    kind: str,
    actor: User | None,
    *,
    share: Share | None = None,
    link: MentorLink | None = None,
) -> Notification | None:
    """Adds a notice to an inbox (the caller commits). Nobody is told of their own act."""
    if actor is not None and actor.id == recipient_id:
        return None
    if share is not None:
        thread, url = f"share:{share.id}", url_for("sharing.item", share_id=share.id)
    elif link is not None:
        thread, url = f"link:{link.id}", url_for("inbox.link", link_id=link.id)
    else:
        thread, url = "inbox", url_for("inbox.index")
    notice = Notification(
        user_id=recipient_id,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        share_id=share.id if share is not None else None,
        link_id=link.id if link is not None else None,
        thread=thread,
        url=url,
    )
    db.session.add(notice)
    return notice
