"""Flask extensions, created unbound here and bound to the app in create_app()."""

import logging
import sqlite3
from functools import cache

import psycopg
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from webapp.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores ON DELETE CASCADE unless asked; PostgreSQL always honours it."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


WROTE_NOTHING = "SELECT pg_current_xact_id_if_assigned() IS NULL"
ONLY_PURE_READS = "stegvis_only_pure_reads"  # key in Connection.info, reset at each BEGIN


def pure_read(statement):
    """Marks a statement that cannot change anything (a SELECT of plain columns, no function
    with side effects, no FOR UPDATE): a transaction that ran only such statements ends with
    COMMIT without asking the database whether it wrote (see end_read_only_transaction)."""
    return statement.execution_options(stegvis_pure_read=True)


def read_alone(statement, params: dict) -> list:
    """All rows of one pure_read statement, run in autocommit on a connection of its own, outside
    the request's session. For the hottest read only (journal.entry_rows_page_for_token), which
    needs nothing else from the database.

    A single statement is atomic and sees one snapshot without a transaction around it; run
    through the session it would cost three round trips on PostgreSQL (BEGIN, the statement,
    COMMIT at the end of the request) instead of one. On PostgreSQL it goes to psycopg directly
    (see _read_on_psycopg); elsewhere through SQLAlchemy Core.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return _read_on_psycopg(engine, statement, params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(statement, params).all()


@cache
def _postgresql_sql(statement, dialect) -> str:
    """The statement compiled once, with its bind parameters as psycopg's %(name)s."""
    compiled = statement.compile(dialect=dialect)
    if any(bind.value is not None for bind in compiled.binds.values()):
        raise ValueError("read_alone takes bindparam()s without values, bound at each call")
    return compiled.string


def _read_on_psycopg(engine, statement, params: dict) -> list:
    """The statement's rows straight from a pooled psycopg connection, as named tuples.

    SQLAlchemy's execution and result machinery (its isolation-level switch, execution context,
    cursor description and row processing) cost about as much CPU as the rest of the request;
    the values are the same without it, since psycopg already returns aware datetimes and
    the statement has no other typed columns. So SQLAlchemy only compiles the statement, once,
    and lends the connection. psycopg prepares it on the server (prepare=True), which keeps it
    for the connection's life as no ROLLBACK comes in autocommit. Not seen by SQLAlchemy's
    statement events (tests/test_perf_hot_paths.py counts it in libpq's trace instead).
    """
    sql = _postgresql_sql(statement, engine.dialect)
    pooled = engine.raw_connection()
    try:
        driver = pooled.dbapi_connection
        driver.autocommit = True  # a pooled connection comes back idle: rolled back at checkin
        try:
            cursor = driver.cursor(row_factory=namedtuple_row)
            return cursor.execute(sql, params, prepare=True).fetchall()
        finally:
            if not driver.closed:
                driver.autocommit = False
    except psycopg.OperationalError:
        pooled.invalidate()  # a lost connection must not go back to the pool
        raise
    finally:
        pooled.close()


@event.listens_for(Engine, "begin")
def _transaction_begins(conn) -> None:
    conn.info[ONLY_PURE_READS] = True


@event.listens_for(Engine, "before_cursor_execute")
def _statement_runs(conn, _cursor, _statement, _parameters, context, _executemany) -> None:
    if context is None or not context.execution_options.get("stegvis_pure_read"):
        conn.info[ONLY_PURE_READS] = False


def end_read_only_transaction(exc: BaseException | None = None) -> None:
    """At the end of a request, COMMIT a PostgreSQL transaction that wrote nothing, instead of
    letting the session roll it back.

    For the data the two are the same: the transaction has no transaction id, so it changed no
    row (a row lock, a temporary table or any write would have given it one). But psycopg drops
    its prepared statements on every ROLLBACK, so with the usual rollback-on-close every request
    made PostgreSQL parse and plan its queries afresh; kept, the user lookup and the journal list
    run as prepared statements (bench/profile_list.py: the database's CPU per list request falls
    to about a third). A request that failed, or left unflushed changes, still rolls back.

    When every statement of the transaction was marked pure_read (the user lookup and the
    journal list), the answer is known without the extra round trip.
    """
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    try:
        if session.get_bind().dialect.name != "postgresql":
            return
        conn = session.connection()
        if conn.dialect.server_version_info < (13,):
            return
        # Asked of psycopg directly: one value needs none of SQLAlchemy's result machinery.
        driver = conn.connection.dbapi_connection
        if driver.info.transaction_status != TransactionStatus.INTRANS:
            return  # nothing sent yet, or a failed transaction: leave it to the rollback
        if not conn.info.get(ONLY_PURE_READS):
            (wrote_nothing,) = driver.execute(WROTE_NOTHING).fetchone()
            if not wrote_nothing:
                return
        session.commit()
    except (SQLAlchemyError, psycopg.Error):  # the session's own teardown rolls back
        logging.getLogger(__name__).warning("could not end a read-only transaction", exc_info=True)
