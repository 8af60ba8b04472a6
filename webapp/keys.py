"""Creates the secrets a fresh install needs in instance/ (run by `make run`; idempotent)."""

import secrets

from webapp.config import INSTANCE


def ensure_keys() -> None:
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)


if __name__ == "__main__":
    ensure_keys()
