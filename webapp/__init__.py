"""Stegvis: the application factory, a list of named steps and nothing else."""

from flask import Flask

from webapp import config as settings


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    configure(app, overrides)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def configure(app: Flask, overrides: dict | None) -> None:
    app.config.update(settings.DEFAULTS)
    if overrides is None or "SECRET_KEY" not in overrides:
        app.config.update(settings.from_environment())
    app.config.update(overrides or {})
    settings.finish(app.config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def register_logging(app: Flask) -> None:
    from webapp.logs import keep_words_out_of_logs

    keep_words_out_of_logs()


def register_extensions(app: Flask) -> None:
    from webapp import i18n
    from webapp.cookies import VerifiedOnceSessionInterface
    from webapp.extensions import babel, csrf, db, end_read_only_transaction, login_manager, migrate
    from webapp.services import logins

    db.init_app(app)
    app.session_interface = VerifiedOnceSessionInterface()
    # Teardowns run last-registered first: this one sees the session before db.init_app's
    # closes it.
    app.teardown_appcontext(end_read_only_transaction)
    migrate.init_app(
        app, db, directory=str(settings.INSTANCE.parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # Our device sessions are ended server-side; Flask-Login's IP/agent check would only rewrite
    # the cookie of anonymous visitors (a late response could then undo a login that just
    # happened in another tab or fetch).
    login_manager.session_protection = None
    login_manager.user_loader(logins.load)


def register_blueprints(app: Flask) -> None:
    from webapp.blueprints.admin import bp as admin
    from webapp.blueprints.api import bp as api
    from webapp.blueprints.auth import bp as auth
    from webapp.blueprints.groups import bp as groups
    from webapp.blueprints.help import bp as help_
    from webapp.blueprints.inbox import bp as inbox
    from webapp.blueprints.journal import bp as journal
    from webapp.blueprints.main import bp as main
    from webapp.blueprints.me import bp as me
    from webapp.blueprints.nudges import bp as nudges
    from webapp.blueprints.privacy import bp as privacy
    from webapp.blueprints.push import bp as push
    from webapp.blueprints.sessions import bp as sessions
    from webapp.blueprints.sharing import bp as sharing

    blueprints = (main, auth, me, groups, journal, inbox, sharing, push, nudges, sessions, help_)
    for bp in (*blueprints, privacy, admin, api):
        app.register_blueprint(bp)


def register_request_hooks(app: Flask) -> None:
    from webapp import headers, i18n

    headers.init_app(app)
    i18n.init_app(app)


def register_commands(app: Flask) -> None:
    from webapp import commands, worker
    from webapp.services import retention

    commands.init_app(app)
    worker.init_app(app)
    retention.init_app(app)
