"""My access log: who opened what I shared, who made a password code for me, and who recorded a
guardian's consent for me — newest first, 50 at a time.

It says who and when, and which of my items (its kind and a link while it is still shared):
never what the item said, and nothing about anyone else.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import GuardianConsent, ResetCode, Share, ShareView, User
from webapp.models.base import utcnow
from webapp.services import visibility

PAGE = 50
# `invites.issue_reset_code` ends the old codes and adds the new one in the same moment; the new
# row's time is taken when it is written, a few milliseconds later.
SAME_MOMENT = timedelta(seconds=2)
VIEW, RESET_CODE, GUARDIAN_CONSENT = "view", "reset_code", "guardian_consent"


@dataclass
class Line:
    """One line of the log, ready for the page and the API."""

    kind: str  # view | reset_code | guardian_consent
    id: int
    at: datetime
    by_name: str | None  # None: the account was deleted
    by_role: str | None  # mentor | counsellor | admin | …
    sentence: str
    detail: str = ""
    icon: str = "eye"
    item_kind: str | None = None  # entry | goal | step (views)
    share_id: int | None = None  # the share that was opened, while it is still shared
    status: str | None = None  # reset codes: used | replaced | expired | valid
    expires_at: datetime | None = None
    guardian_name: str | None = None
    given_on: date | None = None


def page_of(user: User, page: int = 1, size: int = PAGE) -> tuple[list[Line], bool]:
    """The lines of page `page` (1 = newest), and whether there is an older page."""
    page = max(page, 1)
    views = visibility.share_views_of(user).with_only_columns(
        literal(VIEW).label("kind"), ShareView.id.label("id"), ShareView.at.label("at")
    )
    codes = visibility.reset_codes_for(user).with_only_columns(
        literal(RESET_CODE).label("kind"),
        ResetCode.id.label("id"),
        ResetCode.created_at.label("at"),
    )
    consents = visibility.guardian_consent_of(user).with_only_columns(
        literal(GUARDIAN_CONSENT).label("kind"),
        GuardianConsent.id.label("id"),
        GuardianConsent.created_at.label("at"),
    )
    merged = union_all(views, codes, consents).subquery()
    rows = db.session.execute(
        select(merged.c.kind, merged.c.id)
        .order_by(merged.c.at.desc(), merged.c.kind, merged.c.id.desc())
        .limit(size + 1)
        .offset((page - 1) * size)
    ).all()
    more = len(rows) > size
    rows = rows[:size]
    wanted: dict[str, list[int]] = {VIEW: [], RESET_CODE: [], GUARDIAN_CONSENT: []}
    for kind, row_id in rows:
        wanted[kind].append(row_id)
    found = {
        **_views(user, wanted[VIEW]),
        **_codes(user, wanted[RESET_CODE]),
        **_consents(user, wanted[GUARDIAN_CONSENT]),
    }
    return [found[(kind, row_id)] for kind, row_id in rows if (kind, row_id) in found], more


def _name(person: User | None) -> str | None:
    return person.display_name if person is not None else None


def deleted_user() -> str:
    return _("Deleted user")


def role_label(role: str | None) -> str:
    return {
        "mentor": _("Mentor"),
        "counsellor": _("Counsellor"),
        "admin": _("Administrator"),
        "participant": _("Participant"),
    }.get(role or "", "")


def _opened(kind: str, name: str) -> str:
    if kind == "goal":
        return _("%(name)s opened your goal", name=name)
    if kind == "step":
        return _("%(name)s opened your step", name=name)
    return _("%(name)s opened your journal entry", name=name)


def _views(user: User, ids: list[int]) -> dict:
    if not ids:
        return {}
    query = (
        visibility.share_views_of(user)
        .where(ShareView.id.in_(ids))
        .join(Share, Share.id == ShareView.share_id)
        .add_columns(Share.kind, Share.revoked_at)
        .options(joinedload(ShareView.viewer))
    )
    out = {}
    for view, kind, revoked_at in db.session.execute(query):
        name = _name(view.viewer)
        out[(VIEW, view.id)] = Line(
            kind=VIEW,
            id=view.id,
            at=view.at,
            by_name=name,
            by_role=view.viewer_role,
            sentence=_opened(kind, name or deleted_user()),
            detail=_("No longer shared") if revoked_at is not None else "",
            icon="eye",
            item_kind=kind,
            share_id=view.share_id if revoked_at is None else None,
        )
    return out


def _status(code: ResetCode, issued: list[datetime], now: datetime) -> str:
    """Used (a password was set with it), replaced (a newer code made it stop working: that
    code was made the moment this one stopped), expired, or still valid."""
    if code.used_at is not None:
        replaced = any(
            timedelta(0) <= made - _aware(code.used_at) <= SAME_MOMENT for made in issued
        )
        return "replaced" if replaced else "used"
    return "expired" if code.expires_at <= now else "valid"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _codes(user: User, ids: list[int]) -> dict:
    if not ids:
        return {}
    issued = [
        _aware(made)
        for made in db.session.scalars(
            visibility.reset_codes_for(user).with_only_columns(ResetCode.created_at)
        )
    ]
    issuer = User.__table__.alias("issuer")
    query = (
        visibility.reset_codes_for(user)
        .where(ResetCode.id.in_(ids))
        .outerjoin(issuer, issuer.c.id == ResetCode.issued_by_id)
        .add_columns(issuer.c.display_name, issuer.c.role)
    )
    now = utcnow()
    words = {
        "used": _("Used: a new password was set with it."),
        "replaced": _("Not used: a newer code replaced it."),
        "expired": _("Not used, and it no longer works."),
    }
    out = {}
    for code, name, role in db.session.execute(query):
        status = _status(code, issued, now)
        detail = words.get(status) or _(
            "Not used yet. It works until %(when)s.",
            when=format_datetime(code.expires_at, "d MMM, HH:mm"),
        )
        out[(RESET_CODE, code.id)] = Line(
            kind=RESET_CODE,
            id=code.id,
            at=code.created_at,
            by_name=name,
            by_role=role,
            sentence=_(
                "%(name)s made a code to set a new password for you", name=name or deleted_user()
            ),
            detail=detail,
            icon="key",
            status=status,
            expires_at=code.expires_at,
        )
    return out


def _consents(user: User, ids: list[int]) -> dict:
    if not ids:
        return {}
    query = (
        visibility.guardian_consent_of(user)
        .where(GuardianConsent.id.in_(ids))
        .options(joinedload(GuardianConsent.recorded_by))
    )
    out = {}
    for consent in db.session.scalars(query):
        recorder = consent.recorded_by
        name = _name(recorder)
        out[(GUARDIAN_CONSENT, consent.id)] = Line(
            kind=GUARDIAN_CONSENT,
            id=consent.id,
            at=consent.created_at,
            by_name=name,
            by_role=recorder.role if recorder is not None else None,
            sentence=_(
                "%(name)s wrote down that your guardian agreed to Stegvis",
                name=name or deleted_user(),
            ),
            icon="shield-lock",
            guardian_name=consent.guardian_name,
            given_on=consent.given_on,
        )
    return out
