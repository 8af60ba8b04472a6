"""Command-line tasks: the demo data and creating accounts."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Group, Membership, Office, Role, User


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Office, User, Group, Membership)
    )


def test_seed_demo_makes_the_demo_people_and_group_and_can_run_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert counts() == (1, 11, 1, 9)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == (1, 11, 1, 9)
    roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles["admin"] == Role.ADMIN and roles["veileder1"] == Role.COUNSELLOR
    assert roles["mentor1"] == Role.MENTOR
    assert all(roles[f"deltaker{n}"] == Role.PARTICIPANT for n in range(1, 9))


def test_demo_people_log_in_with_the_demo_password(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    client.login("deltaker3", "stegvis-demo")
    assert client.get("/group").status_code == 200


def test_users_create_makes_a_counsellor_in_an_office(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "counsellor",
            "--username",
            "Nora",
            "--name",
            "Nora N",
            "--office",
            "NAV Demo",
        ],
        input="en lang og god frase\nen lang og god frase\n",
    )
    assert result.exit_code == 0, result.output
    nora = db.session.scalar(select(User).where(User.username == "nora"))
    assert nora.role == Role.COUNSELLOR and nora.office.name == "NAV Demo"
    client.login("nora", "en lang og god frase")


def test_users_create_refuses_a_weak_password_and_an_unknown_office(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["users", "create", "--role", "admin", "--username", "xyz1", "--name", "X"],
        input="password1\npassword1\n",
    )
    assert weak.exit_code != 0
    nowhere = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "counsellor",
            "--username",
            "xyz2",
            "--name",
            "X",
            "--office",
            "Nowhere",
        ],
        input="en lang og god frase\nen lang og god frase\n",
    )
    assert nowhere.exit_code != 0 and "no office" in nowhere.output
