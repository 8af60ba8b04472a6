"""Creates the secrets a fresh install needs in instance/ (run by `make run`; idempotent)."""

import os
import secrets
from pathlib import Path

from webapp.config import INSTANCE


def ensure_keys() -> None:
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    # The VAPID key for Web Push, unless the environment gives one.
    if not os.environ.get("VAPID_PRIVATE_KEY"):
        from webapp.services.push import create_key_file

        create_key_file(Path(os.environ.get("VAPID_KEY_FILE") or INSTANCE / "vapid_private.pem"))


if __name__ == "__main__":
    ensure_keys()
