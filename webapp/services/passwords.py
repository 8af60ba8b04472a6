"""Password rules (length, not composition; no common passwords) and argon2id hashing."""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
COMMON_LIST = Path(__file__).with_name("common_passwords.txt")


@cache
def _common() -> frozenset[str]:
    return frozenset(
        line.strip().lower() for line in COMMON_LIST.read_text().splitlines() if line.strip()
    )


def is_common(password: str) -> bool:
    return password.lower() in _common()


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_KIB"], parallelism=1
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Returns (ok, new_hash); new_hash is set when the stored one is weaker than today's."""
    hasher = _hasher()
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if hasher.check_needs_rehash(stored_hash):
        return True, hasher.hash(password)
    return True, None


# Verified against when the account does not exist, at today's cost, so timing does not tell.
def dummy_verify(password: str) -> None:
    cfg = current_app.config
    verify(_dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"]), password)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1).hash(
        "not-a-password"
    )
