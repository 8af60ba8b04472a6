"""The first-run tour for each role, the short help per role and the counsellor's guide to the
group method. Only words and icons live here; the pages are in the help blueprint.

A tour is shown once, on the home page, until the person finishes or skips it (then
`User.tour_seen_at` is set). It can always be opened again from Help.
"""

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from webapp.models import Role, User
from webapp.models.base import utcnow


@dataclass(frozen=True)
class Card:
    key: str
    icon: str
    title: LazyString
    text: LazyString


_HELP_CARD = Card("help", "help-circle", _l("Help is always here"), _l("Tap Me, then Help."))

TOURS: dict[str, tuple[Card, ...]] = {
    Role.PARTICIPANT: (
        Card("journal", "notebook", _l("Your journal"), _l("Write or talk about your day.")),
        Card("steps", "target-arrow", _l("Small steps"), _l("Pick a goal. Take one small step.")),
        Card("group", "users-group", _l("Your group"), _l("Meet the group. Join on your phone.")),
        Card(
            "private",
            "lock",
            _l("You choose"),
            _l("Lock means only you. You choose what to share."),
        ),
        _HELP_CARD,
    ),
    Role.MENTOR: (
        Card(
            "shared",
            "messages",
            _l("Shared with you"),
            _l("You see only what they share with you."),
        ),
        Card("cheer", "heart", _l("Cheer them on"), _l("Reply kindly, or give a strength word.")),
        Card("private", "lock", _l("Their journal is theirs"), _l("You never see the rest.")),
        _HELP_CARD,
    ),
    Role.COUNSELLOR: (
        Card("groups", "users-group", _l("Your groups"), _l("Make a group. Share the code or QR.")),
        Card(
            "programme",
            "calendar",
            _l("The programme"),
            _l("Pick 5 weeks. The sessions get dates."),
        ),
        Card(
            "live",
            "presentation",
            _l("Live session"),
            _l("Press Start. Phones join. The big screen shows."),
        ),
        Card("guide", "book", _l("The guide"), _l("The method, session by session.")),
        _HELP_CARD,
    ),
}
# Administrators get no tour of their own on the home page; they may read the counsellor's.
TOUR_OF_ROLE = {
    Role.PARTICIPANT: Role.PARTICIPANT,
    Role.MENTOR: Role.MENTOR,
    Role.COUNSELLOR: Role.COUNSELLOR,
    Role.ADMIN: Role.COUNSELLOR,
}


def tour_role(user: User) -> str:
    return TOUR_OF_ROLE.get(user.role, Role.PARTICIPANT)


def cards_for(role: str) -> tuple[Card, ...]:
    return TOURS[role]


def should_show(user: User) -> bool:
    """The tour on the home page: once, for participants, mentors and counsellors."""
    return user.role in TOURS and user.tour_seen_at is None


def mark_seen(user: User) -> None:
    if user.tour_seen_at is None:
        user.tour_seen_at = utcnow()


# --- help per role ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    key: str
    icon: str
    title: LazyString
    text: LazyString
    link: str | None = None  # an endpoint, shown when it exists
    link_label: LazyString | None = None
    calls: tuple[tuple[LazyString, str], ...] = ()  # (label, phone number)


# Someone to talk to, day and night (Mental Helse's helpline) and the medical emergency number.
CALLS = (
    (_l("Mental Helse"), "116 123"),
    (_l("Emergency"), "113"),
)


HELP: dict[str, tuple[Topic, ...]] = {
    Role.PARTICIPANT: (
        Topic(
            "private",
            "lock",
            _l("What is private?"),
            _l("Your journal is only yours. Not NAV, not the group."),
        ),
        Topic(
            "share",
            "share",
            _l("How do I share?"),
            _l("Tap Share. Choose who sees it. You can undo it."),
            "sharing.mine",
            _l("What I share"),
        ),
        Topic(
            "session",
            "users-group",
            _l("Group sessions"),
            _l("Tap Join when the session starts. You can post without your name."),
        ),
        Topic(
            "dilemma",
            "arrows-split-2",
            _l("Dilemmas"),
            _l("Write a problem and three ways out. The group helps you think. You choose."),
        ),
        Topic(
            "offline",
            "wifi-off",
            _l("No internet?"),
            _l("Keep writing. It is sent when you are online again."),
        ),
        Topic(
            "talk",
            "heart-handshake",
            _l("Need someone to talk to?"),
            _l("Talk to your counsellor. Or call, day and night:"),
            calls=CALLS,
        ),
    ),
    Role.MENTOR: (
        Topic(
            "see",
            "eye",
            _l("What do I see?"),
            _l("Only what your young person shares with you. Never the journal."),
        ),
        Topic(
            "reply",
            "message-circle",
            _l("How do I reply?"),
            _l("Open what they shared. Write a short, kind reply."),
            "inbox.mentor",
            _l("Shared with me"),
        ),
        Topic(
            "words",
            "sparkles",
            _l("Strength words"),
            _l("Give a word for what they are good at. It stays with them."),
        ),
        Topic(
            "talk",
            "heart-handshake",
            _l("Worried about someone?"),
            _l("Talk to their counsellor. If it is urgent, call:"),
            calls=CALLS[1:],
        ),
    ),
    Role.COUNSELLOR: (
        Topic(
            "groups",
            "users-group",
            _l("Groups and codes"),
            _l("Make a group. Young people join with the code or QR."),
            "groups.manage",
            _l("Groups"),
        ),
        Topic(
            "programme",
            "calendar",
            _l("The programme"),
            _l("On the group page: pick the 5-week programme. Change dates and texts."),
        ),
        Topic(
            "live",
            "presentation",
            _l("Running a session"),
            _l("Open the session, press Start. Put the big screen on the projector."),
        ),
        Topic(
            "anonymous",
            "shield-lock",
            _l("Anonymous posts"),
            _l("Nobody sees who wrote them. Not you either."),
        ),
        Topic(
            "silence",
            "hourglass",
            _l("The silence timer"),
            _l("Give the group time to think. 30 seconds feels long. That is fine."),
        ),
        Topic(
            "hide",
            "eye-off",
            _l("Hiding a post"),
            _l("Hide a dilemma or reply from the screen. Give a short reason."),
        ),
        Topic(
            "round",
            "sparkles",
            _l("Strength round"),
            _l("Pick one person. The group gives them strength words."),
        ),
        Topic(
            "after",
            "checks",
            _l("After the session"),
            _l("See who came and how many took part. Dilemmas go back to their authors."),
        ),
        Topic(
            "reminders",
            "bell",
            _l("Reminders"),
            _l("Kind nudges to the group. Never private content."),
            "nudges.index",
            _l("Reminders"),
        ),
    ),
    Role.ADMIN: (
        Topic(
            "offices",
            "building",
            _l("Offices and counsellors"),
            _l("Add an office. Make accounts for its counsellors."),
            "admin.index",
            _l("Administration"),
        ),
        Topic(
            "private",
            "shield-lock",
            _l("Privacy"),
            _l("Nobody at NAV sees a young person's journal. Only what they share."),
        ),
    ),
}


def help_for(role: str) -> tuple[Topic, ...]:
    return HELP.get(role, HELP[Role.PARTICIPANT])


# --- the counsellor's guide to the method ---------------------------------------------------------


@dataclass(frozen=True)
class Principle:
    key: str
    icon: str
    title: LazyString
    text: LazyString


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        "why",
        "flag",
        _l("Why we are here"),
        _l(
            "Each person matters. Together we make the group good. "
            "Say it in the first session, and say it again."
        ),
    ),
    Principle(
        "everyone",
        "users",
        _l("Everyone matters to the group"),
        _l("Greet each person by name. Notice who is quiet. Invite, do not push."),
    ),
    Principle(
        "body",
        "eye",
        _l("Body language"),
        _l("Look at the one who talks. Nod. Turn towards them. Phones down while someone speaks."),
    ),
    Principle(
        "silence",
        "hourglass",
        _l("Tolerate silence"),
        _l(
            "Silence is thinking. Wait before you fill it. Use the silence timer. "
            "Practise it most in weeks 1 and 2."
        ),
    ),
    Principle(
        "dilemmas",
        "arrows-split-2",
        _l("Dilemmas with three solutions"),
        _l(
            "Someone writes a real problem and three ways out, anonymous by default. "
            "The group thinks aloud. Nobody says what is right."
        ),
    ),
    Principle(
        "strengths",
        "sparkles",
        _l("Strength words and success stories"),
        _l(
            "One person at a time gets words for what they are good at. "
            "Ask for a small success from the week."
        ),
    ),
    Principle(
        "choices",
        "target-arrow",
        _l("Active choices"),
        _l(
            "The author chooses one solution and a first small step. "
            "A choice you make yourself lasts."
        ),
    ),
)
