"""Logs hold ids and actions, never what people wrote.

A database error's message can carry the row it failed on (PostgreSQL's "Failing row contains
(…)" names every value, journal text included), and a logged exception prints that message. So
the app's and the worker's loggers turn a database error into its kind, its SQLSTATE and where
it happened; the parameters are hidden at the engine already (SQLALCHEMY_ENGINE_OPTIONS).
"""

import logging
import traceback

from sqlalchemy.exc import DBAPIError

LOGGERS = ("webapp", "stegvis.worker")


class WithholdDatabaseDetails(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DBAPIError):
            original = error.orig
            state = getattr(getattr(original, "diag", None), "sqlstate", None) or getattr(
                original, "sqlstate", ""
            )
            where = "".join(traceback.format_tb(error.__traceback__)).rstrip()
            record.msg = (
                f"{record.getMessage()}\n{where}\n"
                f"{type(original).__name__} (SQLSTATE {state or '?'}): details withheld"
            )
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def keep_words_out_of_logs() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithholdDatabaseDetails) for f in logger.filters):
            logger.addFilter(WithholdDatabaseDetails())
