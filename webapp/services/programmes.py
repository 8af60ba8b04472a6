"""Programme templates: "Øygarden: 5 weeks × 2 sessions" and a blank one, and applying one to a
group as dated sessions. The texts are translated when shown, so a session that keeps its
template's text reads in each person's own language (`text_of`); a counsellor's own words are
stored and shown as written.

Services flush; the route commits.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.dates import format_datetime, format_skeleton
from flask_babel import LazyString, get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from webapp.extensions import db
from webapp.models import Group, GroupSession, SessionStatus, User
from webapp.services import scheduling, visibility

FIELDS = ("theme", "agenda", "bring", "guide")
MAX_SESSIONS = 30  # a blank programme, at most
SESSION_MINUTES = 150  # 2.5 hours, as in the Øygarden model
# A planned session still counts as "now" for this long after its start (nobody pressed Start).
GRACE = timedelta(hours=3)


@dataclass(frozen=True)
class SessionTemplate:
    number: int  # 1-based
    week: int
    theme: LazyString
    agenda: LazyString  # what happens, for everyone (one line per part)
    bring: LazyString  # "what to bring", for participants
    guide: LazyString  # the counsellors' short guide: principles and this session's exercises


@dataclass(frozen=True)
class Template:
    key: str  # "oygarden" | "blank"
    name: LazyString
    sessions: tuple[SessionTemplate, ...]
    summary: LazyString | None = None
    days: tuple[str, ...] = ("TU", "TH")  # the weekdays offered first


def _s(number: int, theme, agenda, bring, guide) -> SessionTemplate:
    return SessionTemplate(number, (number + 1) // 2, theme, agenda, bring, guide)


OYGARDEN = Template(
    key="oygarden",
    name=_l("Øygarden: 5 weeks, 2 sessions a week"),
    summary=_l(
        "10 sessions of 2.5 hours. Dilemmas on the big screen, strength words and active "
        "choices. Each session comes with a plan and a short guide."
    ),
    sessions=(
        _s(
            1,
            _l("Why we are here"),
            _l(
                "Welcome, and everyone says their name.\n"
                "Why we are here: each of you matters to the group.\n"
                "Body language: how eye contact and a nod make others feel seen.\n"
                "Together we agree on what makes this group good."
            ),
            _l("Your phone, charged. Nothing else."),
            _l(
                "Say plainly why the group exists and that each person matters to the others.\n"
                "Let everyone say their name. Nobody has to say more.\n"
                "Try body language in pairs: talk with and without eye contact and nodding.\n"
                "Agree on three group rules together; write them on the screen.\n"
                "Tolerate silence: count to ten in your head before you say anything.\n"
                "Ask everyone to think of a dilemma from their own life for later."
            ),
        ),
        _s(
            2,
            _l("Strengths and success stories"),
            _l(
                "Each of you tells a short story about something that went well.\n"
                "The others give you a strength word.\n"
                "Your words are saved for you, and you can use them on a CV."
            ),
            _l("A short story about something that went well, big or small."),
            _l(
                "Tell a short success story of your own first, as an example.\n"
                "Start a strength-word round in the app for each person who tells a story.\n"
                "Let the participants give the words; hold back your own. Words from peers "
                "count more.\n"
                "A story can be tiny. Getting here today is one.\n"
                "Still week 1: let silences last."
            ),
        ),
        _s(
            3,
            _l("The first dilemmas"),
            _l(
                "Dilemmas on the big screen: a problem and three possible solutions.\n"
                "You can post your dilemma anonymously.\n"
                "Everyone writes on their phone: a thought, a question or the solution they "
                "would choose."
            ),
            _l(
                "A dilemma from your own life, with three possible solutions. Write it in the "
                "app before you come."
            ),
            _l(
                "Pick a dilemma from the waiting list and show it.\n"
                "Start the silence timer (1 minute) before anyone speaks. Do not fill the "
                "silence.\n"
                "Reveal the written responses on the screen, then talk about them.\n"
                "Those who find it hard to speak take part by writing. Read their words out.\n"
                "Never guess aloud who wrote an anonymous dilemma."
            ),
        ),
        _s(
            4,
            _l("Listening"),
            _l(
                "More dilemmas on the screen.\n"
                "We practise listening: look at the one who talks and let them finish.\n"
                "Short break halfway."
            ),
            _l("A dilemma, if you have one."),
            _l(
                "Still week 2: tolerate silence. It is thinking time, not a problem.\n"
                "Praise good listening when you see it: eye contact, a nod, letting others "
                "finish.\n"
                "Let people wait for their own dilemma: it keeps them engaged.\n"
                "Hide a response with a kind reason if it hurts someone."
            ),
        ),
        _s(
            5,
            _l("Making choices"),
            _l(
                "An active choice: choosing is the step, whatever you choose.\n"
                "Look back at your own dilemma and pick one solution.\n"
                "More dilemmas from the group."
            ),
            _l("A choice you have been putting off."),
            _l(
                "Explain active choice: choosing is better than drifting, and a choice can be "
                "changed later.\n"
                "After a session, authors can choose a solution in the app. It becomes a goal "
                "with a first small step.\n"
                "From week 3 discussions usually flow. Step back and let them."
            ),
        ),
        _s(
            6,
            _l("Small steps"),
            _l(
                "From a choice to a first small step.\n"
                "Everyone sets one goal, with a step for this week.\n"
                "Strength words for someone who shares a story."
            ),
            _l("Your phone, with the journal open."),
            _l(
                "Help each person write one goal and one small, dated step in their journal.\n"
                "A step should be small enough to do this week.\n"
                "The app nudges them the day before the step."
            ),
        ),
        _s(
            7,
            _l("What went well"),
            _l(
                "How did your step go? Good or not, trying counts.\n"
                "Strength words for what people tried.\n"
                "New dilemmas."
            ),
            _l("How your step went. A photo or a few words is enough."),
            _l(
                "Count what was done, not what was missed. Never punish.\n"
                "Start a strength-word round for someone who tried something hard.\n"
                "Let the group lead the talk; ask short questions."
            ),
        ),
        _s(
            8,
            _l("Work and school"),
            _l(
                "What do you want from work or school?\n"
                "Dilemmas about jobs, courses and daily life.\n"
                "Maybe a guest or a visit."
            ),
            _l("A job, course or place you are curious about."),
            _l(
                "Invite a guest or plan a visit if it fits the group.\n"
                "Link dilemmas to each person's plan in plain words.\n"
                "Strength words can go on a CV: show where they are saved (Me → Strength "
                "words)."
            ),
        ),
        _s(
            9,
            _l("Looking ahead"),
            _l(
                "What will you keep doing after the programme?\n"
                "The journal, reminders and a mentor carry on.\n"
                "Last dilemmas."
            ),
            _l("One thing you want to keep doing."),
            _l(
                "Show how the journal, nudges and a mentor go on after the group ends.\n"
                "Offer a mentor to those who want one.\n"
                "Each person names one next step."
            ),
        ),
        _s(
            10,
            _l("Celebrate"),
            _l(
                "Looking back at five weeks together.\n"
                "A last strength-word round: everyone gets a word.\n"
                "Goodbye, and well done."
            ),
            _l("Yourself. Something to share is welcome."),
            _l(
                "Last strength-word round: everyone gets a word from the others.\n"
                "Let each person read their collected words.\n"
                "Thank the group. Close the group in the app when the programme is over."
            ),
        ),
    ),
)

BLANK = Template(
    key="blank",
    name=_l("Blank: empty sessions you fill in"),
    summary=_l("Only the dates. You write the theme and the plan for each session."),
    sessions=(),
)

TEMPLATES: dict[str, Template] = {"oygarden": OYGARDEN, "blank": BLANK}


# --- texts -------------------------------------------------------------------------------------


def template_of(session: GroupSession) -> SessionTemplate | None:
    """The template session this one came from ("oygarden:3"), if any."""
    key, _sep, number = (session.template_key or "").partition(":")
    template = TEMPLATES.get(key)
    if template is None or not number.isdigit():
        return None
    return next((t for t in template.sessions if t.number == int(number)), None)


def template_text(session: GroupSession, field: str) -> str:
    found = template_of(session)
    return str(getattr(found, field)) if found is not None else ""


def text_of(session: GroupSession, field: str) -> str:
    """The session's own text, or else its template's text in the reader's language."""
    own = getattr(session, field) or ""
    return own if own.strip() else template_text(session, field)


def title_of(session: GroupSession) -> str:
    return text_of(session, "theme") or _("Session %(n)s", n=session.number)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _same(a: str, b: str) -> bool:
    return lines(a) == lines(b)


def store_text(session: GroupSession, field: str, value: str) -> None:
    """Keeps "" when the text is the template's (so it stays translated for everyone)."""
    value = (value or "").replace("\r\n", "\n").strip()
    if _same(value, template_text(session, field)):
        value = ""
    setattr(session, field, value)


# --- planning ----------------------------------------------------------------------------------


def plan_dates(first: date, weekdays: list[str], count: int) -> list[date]:
    """`count` dates from `first` on, on the chosen weekdays ("MO".."SU")."""
    wanted = {scheduling.WEEKDAYS.index(d) for d in weekdays if d in scheduling.WEEKDAYS}
    if not wanted or count < 1:
        return []
    days, day = [], first
    while len(days) < count:
        if day.weekday() in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


def session_count(template_key: str, count: int | None = None) -> int:
    template = TEMPLATES[template_key]
    if template.sessions:
        return len(template.sessions)
    return max(1, min(count or 1, MAX_SESSIONS))


def next_number(group: Group) -> int:
    highest = db.session.scalar(
        select(func.max(GroupSession.number)).where(GroupSession.group_id == group.id)
    )
    return (highest or 0) + 1


def starts_at(day: date, at: time, tz: str | None) -> datetime:
    return scheduling.local_to_utc(datetime.combine(day, at), scheduling.zone(tz))


def apply(
    group: Group,
    template_key: str,
    first_date: date,
    weekdays: list[str],
    at: time,
    tz: str | None,
    count: int | None = None,
) -> list[GroupSession]:
    """Adds the template's sessions to the group, dated on the chosen weekdays from the first
    date on at the given local time. Numbers go on after the group's existing sessions."""
    template = TEMPLATES[template_key]
    days = plan_dates(first_date, weekdays, session_count(template_key, count))
    first_number = next_number(group)
    made = []
    for i, day in enumerate(days):
        key = f"{template.key}:{template.sessions[i].number}" if template.sessions else ""
        row = GroupSession(
            group_id=group.id,
            number=first_number + i,
            template_key=key,
            starts_at=starts_at(day, at, tz),
            duration_minutes=SESSION_MINUTES,
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made


def add_one(group: Group, day: date, at: time, tz: str | None, theme: str = "") -> GroupSession:
    row = GroupSession(
        group_id=group.id,
        number=next_number(group),
        starts_at=starts_at(day, at, tz),
        duration_minutes=SESSION_MINUTES,
        theme=theme.strip(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def can_delete(session: GroupSession) -> bool:
    """Only a planned session: a live or ended one has people, dilemmas and words tied to it."""
    return session.status == SessionStatus.PLANNED


def delete(session: GroupSession) -> None:
    db.session.delete(session)
    db.session.flush()


# --- reading -----------------------------------------------------------------------------------


def upcoming_condition(now: datetime):
    return or_(
        GroupSession.status == SessionStatus.LIVE,
        and_(GroupSession.status == SessionStatus.PLANNED, GroupSession.starts_at >= now - GRACE),
    )


def upcoming_for(user: User, now: datetime, limit: int = 20) -> list[GroupSession]:
    """Live and coming sessions of my groups, soonest first."""
    query = visibility.sessions_visible_to(user).where(upcoming_condition(now)).limit(limit)
    return list(db.session.scalars(query))


def next_for(user: User, now: datetime, group_id: int | None = None) -> GroupSession | None:
    query = visibility.sessions_visible_to(user).where(upcoming_condition(now))
    if group_id is not None:
        query = query.where(GroupSession.group_id == group_id)
    return db.session.scalars(query.limit(1)).first()


def of_group(user: User, group_id: int) -> list[GroupSession]:
    """All sessions of one of my groups, in programme order."""
    return list(
        db.session.scalars(
            visibility.sessions_visible_to(user).where(GroupSession.group_id == group_id)
        )
    )


def led_session(user: User, session_id: int) -> GroupSession | None:
    return db.session.scalar(visibility.sessions_led_by(user).where(GroupSession.id == session_id))


def visible_session(user: User, session_id: int) -> GroupSession | None:
    return db.session.scalar(
        visibility.sessions_visible_to(user).where(GroupSession.id == session_id)
    )


def is_now(session: GroupSession, now: datetime) -> bool:
    if session.status == SessionStatus.LIVE:
        return True
    end = session.starts_at + timedelta(minutes=session.duration_minutes or SESSION_MINUTES)
    return session.status == SessionStatus.PLANNED and session.starts_at <= now < end


def countdown(session: GroupSession, now: datetime, tz=None) -> str:
    """A calm countdown: "Now", "In 20 minutes", "Today at 11:00", "Tomorrow at 11:00",
    "In 3 days"."""
    if session.status == SessionStatus.ENDED:
        return _("Ended")
    if is_now(session, now):
        return _("Now")
    if session.starts_at < now:
        return _("Started %(time)s", time=clock(session.starts_at, tz))
    left = session.starts_at - now
    if left < timedelta(hours=1):
        minutes = max(1, int(left.total_seconds() // 60))
        return ngettext("In %(num)s minute", "In %(num)s minutes", minutes)
    zone = tz or get_timezone()
    start_day = session.starts_at.astimezone(zone).date()
    days = (start_day - now.astimezone(zone).date()).days
    at = clock(session.starts_at, zone)
    if days == 0:
        return _("Today at %(time)s", time=at)
    if days == 1:
        return _("Tomorrow at %(time)s", time=at)
    return ngettext("In %(num)s day", "In %(num)s days", days)


def day_and_time(instant: datetime, short: bool = False, tz=None) -> str:
    """The day and time, "tirsdag 24. november kl. 11:00" (short: "tir. 24. nov. kl. 11:00"),
    built from the locale's own patterns so that each language reads naturally."""
    zone = tz or get_timezone()
    locale = get_locale()
    local = instant.astimezone(zone)
    if short:
        day = format_skeleton("MMMEd", local, tzinfo=zone, locale=locale)
    else:
        weekday = format_datetime(local, "EEEE", tzinfo=zone, locale=locale)
        date_part = format_skeleton("MMMMd", local, tzinfo=zone, locale=locale)
        day = f"{weekday}, {date_part}" if locale.language == "en" else f"{weekday} {date_part}"
    return _("%(day)s at %(time)s", day=day, time=clock(instant, zone))


def clock(instant: datetime, tz=None) -> str:
    """The clock, "11:00", in the reader's zone (the same form in all our languages)."""
    return instant.astimezone(tz or get_timezone()).strftime("%H:%M")
