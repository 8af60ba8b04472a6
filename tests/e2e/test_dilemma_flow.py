"""A dilemma on a 390 px phone, as a person meets it: written one step at a time (the problem,
three solutions, with or without my name with a preview of the big screen), saved; written
offline and sent when back online; and after the session, the group's answers read in My
dilemmas and one solution made into a goal with a first step in two taps. Every screen is
checked with axe in light and dark mode and with large text, and photographed to /tmp/shots/.
"""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Dilemma, Goal, Group, SessionStatus, User
from webapp.models.base import utcnow

from .helpers import as_json, axe_violations, choose_large_text, log_in, path_of

SHOTS = Path("/tmp/shots")
AUTHOR = "deltaker5"


def check(page, axe_source, shot: str | None = None) -> None:
    """axe finds nothing in light and dark mode; a photo of the light one."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        found = axe_violations(page, axe_source)
        assert found == [], f"{shot or page.url} ({scheme}): {as_json(found)}"
    page.emulate_media(color_scheme="light")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{shot or page.url} scrolls sideways ({width} px)"
    if shot:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"dilemmas-{shot}.png"), full_page=True)


def visible_step(page) -> str:
    return page.evaluate(
        "[...document.querySelectorAll('[data-step]')].filter(s => !s.hidden)"
        ".map(s => s.dataset.step).join(',')"
    )


def dilemmas_of(app, username: str) -> list[Dilemma]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        rows = list(db.session.scalars(select(Dilemma).where(Dilemma.author_id == user.id)))
        db.session.expunge_all()
        return rows


def forget_dilemmas(app, username: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        for row in db.session.scalars(select(Dilemma).where(Dilemma.author_id == user.id)):
            db.session.delete(row)
        db.session.commit()


def test_writing_a_dilemma_one_step_at_a_time(page, live_server, axe_source):
    forget_dilemmas(live_server.app, AUTHOR)
    log_in(page, live_server.url, AUTHOR)
    page.goto(live_server.url + "/journal")
    page.click("nav.subnav a[href='/me/dilemmas']")  # the way in: from the journal
    check(page, axe_source, "1-my-dilemmas-empty")
    page.click(f"a[href='/groups/{live_server.group_id}/dilemmas/new']")
    page.wait_for_selector("form.is-stepped")
    assert visible_step(page) == "1"
    check(page, axe_source, "2-step-1-problem")

    # Next with nothing written: a kind message, and the step stays.
    page.click("[data-step='1'] [data-next-step]")
    assert visible_step(page) == "1"
    assert page.locator("#f-problem").get_attribute("aria-invalid") == "true"
    check(page, axe_source)
    page.fill("#f-problem", "Jeg vil søke jobb, men jeg blir så nervøs på intervju.")
    page.click("[data-step='1'] [data-next-step]")
    assert visible_step(page) == "2"
    page.fill("#f-solution_1", "Øve med en venn")
    page.fill("#f-solution_2", "Spørre hvordan intervjuet blir")
    check(page, axe_source, "3-step-2-solutions")
    page.fill("#f-solution_3", "Gå en tur før")
    page.click("[data-step='2'] [data-next-step]")
    assert visible_step(page) == "3"

    # Step 3: anonymous is chosen already, and the preview shows the big screen without a name.
    assert page.is_checked("input[name='anonymous'][value='1']")
    preview = page.inner_text(".dilemma-screen")
    assert "nervøs på intervju" in preview and "Gå en tur før" in preview
    assert "Deltaker 5" not in preview
    check(page, axe_source, "4-step-3-anonymous-preview")
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SHOTS / "dilemmas-4-step-3-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.check("input[name='anonymous'][value='0']")
    assert "Deltaker 5" in page.inner_text(".dilemma-screen")
    page.check("input[name='anonymous'][value='1']")
    assert "Deltaker 5" not in page.inner_text(".dilemma-screen")

    with page.expect_navigation():
        page.click("[data-step='3'] button[value='save']")
    assert path_of(page.url).startswith("/dilemmas/")
    check(page, axe_source, "5-done-waits")
    rows = dilemmas_of(live_server.app, AUTHOR)
    assert len(rows) == 1 and rows[0].anonymous and rows[0].shown_at is None
    assert rows[0].solution_3 == "Gå en tur før"

    page.goto(live_server.url + "/me/dilemmas")
    check(page, axe_source, "6-my-dilemmas")
    choose_large_text(page, live_server.url)
    page.goto(live_server.url + f"/groups/{live_server.group_id}/dilemmas/new")
    page.wait_for_selector("form.is-stepped")
    check(page, axe_source, "7-step-1-large-text")


def test_the_form_works_without_javascript(page, context, live_server, axe_source):
    forget_dilemmas(live_server.app, AUTHOR)
    log_in(page, live_server.url, AUTHOR)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})  # scripts off
    page.goto(live_server.url + f"/groups/{live_server.group_id}/dilemmas/new")
    assert visible_step(page) == "1,2,3"  # one form, all three parts
    page.fill("#f-problem", "Pengene tar slutt før månedens slutt")
    page.fill("#f-solution_1", "Lage et budsjett")
    with page.expect_navigation():
        page.click("button[value='save']")
    # Something missing: told kindly, nothing lost.
    assert page.input_value("#f-problem") == "Pengene tar slutt før månedens slutt"
    assert page.input_value("#f-solution_1") == "Lage et budsjett"
    assert page.locator("#f-solution_2").get_attribute("aria-invalid") == "true"
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})  # for axe only
    check(page, axe_source, "8-no-js-missing-solutions")
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.fill("#f-solution_2", "Selge noe jeg ikke bruker")
    page.fill("#f-solution_3", "Spørre om hjelp")
    with page.expect_navigation():
        page.click("button[value='preview']")
    assert "Selge noe jeg ikke bruker" in page.inner_text(".dilemma-screen")
    with page.expect_navigation():
        page.click("button[value='save']")
    assert path_of(page.url).startswith("/dilemmas/")
    assert len(dilemmas_of(live_server.app, AUTHOR)) == 1


def test_a_dilemma_written_offline_is_sent_once_when_back_online(page, context, live_server):
    forget_dilemmas(live_server.app, AUTHOR)
    log_in(page, live_server.url, AUTHOR)
    page.goto(live_server.url + f"/groups/{live_server.group_id}/dilemmas/new")
    page.wait_for_selector("form.is-stepped")
    page.wait_for_function("() => !!self.StegvisOutbox")
    context.set_offline(True)
    page.fill("#f-problem", "Jeg kommer ikke opp om morgenen")
    page.click("[data-step='1'] [data-next-step]")
    page.fill("#f-solution_1", "Vekkerklokke langt unna")
    page.fill("#f-solution_2", "Legge meg før midnatt")
    page.fill("#f-solution_3", "Be en venn ringe")
    page.click("[data-step='2'] [data-next-step]")
    page.click("[data-step='3'] button[value='save']")
    page.wait_for_selector("[data-dilemma-done]:not([hidden])")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "dilemmas-9-offline-saved-on-phone.png"), full_page=True)
    assert dilemmas_of(live_server.app, AUTHOR) == []
    context.set_offline(False)  # the app sends what waits as soon as it is online
    rows = []
    for _ in range(150):
        rows = dilemmas_of(live_server.app, AUTHOR)
        if rows:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)  # and only once
    rows = dilemmas_of(live_server.app, AUTHOR)
    assert [r.problem for r in rows] == ["Jeg kommer ikke opp om morgenen"]


def a_dilemma_that_was_talked_about(app, group_id: int) -> int:
    """deltaker5's anonymous dilemma, shown in a session that has ended, with three answers."""
    from webapp.models import DilemmaResponse, GroupSession

    forget_dilemmas(app, AUTHOR)
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == AUTHOR))
        peer = db.session.scalar(select(User).where(User.username == "deltaker6"))
        group = db.session.get(Group, group_id)
        now = utcnow()
        session = GroupSession(
            group_id=group.id, starts_at=now, status=SessionStatus.ENDED, ended_at=now
        )
        db.session.add(session)
        db.session.flush()
        dilemma = Dilemma(
            group_id=group.id,
            author_id=author.id,
            client_id=str(uuid.uuid4()),
            problem="Jeg tør ikke ringe og spørre om jobben",
            solution_1="Skrive ned hva jeg skal si",
            solution_2="Ringe med en venn ved siden av",
            solution_3="Sende en e-post i stedet",
            session_id=session.id,
            shown_at=now,
        )
        db.session.add(dilemma)
        db.session.flush()
        for text, anonymous, choice in (
            ("Skriv det ned, det hjelper meg alltid", True, None),
            ("Jeg kan sitte ved siden av deg", False, 2),
            ("", True, 2),
        ):
            db.session.add(
                DilemmaResponse(
                    dilemma_id=dilemma.id,
                    author_id=peer.id,
                    client_id=str(uuid.uuid4()),
                    anonymous=anonymous,
                    kind="choice" if choice else "thought",
                    choice=choice,
                    text=text,
                )
            )
        db.session.commit()
        return dilemma.id


def test_after_the_session_a_solution_becomes_a_goal_in_two_taps(page, live_server, axe_source):
    dilemma_id = a_dilemma_that_was_talked_about(live_server.app, live_server.group_id)
    log_in(page, live_server.url, AUTHOR)
    page.goto(live_server.url + "/me/dilemmas")
    page.click(f"a[href='/dilemmas/{dilemma_id}']")
    answers = page.inner_text(".dilemma-answers")
    assert "Skriv det ned" in answers and "Deltaker 6" in answers
    assert answers.count("Deltaker 6") == 1  # the anonymous ones name nobody
    check(page, axe_source, "10-answers-and-choice")

    with page.expect_navigation():  # tap 1
        page.click(".dilemma-choices form:nth-child(2) button")
    assert page.input_value("#f-title") == "Ringe med en venn ved siden av"
    assert page.input_value("#f-step")
    check(page, axe_source, "11-make-it-a-goal")
    with page.expect_navigation():  # tap 2
        page.click("form[action$='/goal'] button[type='submit']")
    assert path_of(page.url).startswith("/journal/goals/")
    check(page, axe_source, "12-the-goal")
    with live_server.app.app_context():
        dilemma = db.session.get(Dilemma, dilemma_id)
        goal = db.session.get(Goal, dilemma.goal_id)
        assert dilemma.chosen_solution == 2 and goal.title == "Ringe med en venn ved siden av"
        assert len(goal.steps) == 1
        db.session.delete(goal)
        db.session.commit()


def test_the_counsellors_summary(page, live_server, axe_source):
    a_dilemma_that_was_talked_about(live_server.app, live_server.group_id)
    with live_server.app.app_context():
        session_id = db.session.scalar(
            select(func.max(Dilemma.session_id)).where(Dilemma.session_id.is_not(None))
        )
    log_in(page, live_server.url, "veileder1")
    page.goto(live_server.url + f"/sessions/{session_id}/summary")
    text = page.inner_text("main")
    assert "tør ikke ringe" not in text and "Skriv det ned" not in text
    check(page, axe_source, "13-summary")


@pytest.fixture(autouse=True)
def _no_leftovers(live_server):
    yield
    forget_dilemmas(live_server.app, AUTHOR)
