"""How long the foundation's hot paths take in-process: password hashing at the production
cost, and rendering the pages a participant opens most. Prints figures; never pass/fail."""

import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from webapp import create_app
from webapp.extensions import db


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:<34} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "DEMO_PASSWORD": "stegvis-demo",
        }
    )
    with app.app_context():
        upgrade()
        app.test_cli_runner().invoke(args=["seed-demo"])
        from webapp.services import passwords

        report(
            "argon2id hash (t=3, m=64 MiB)", timed(lambda: passwords.hash_password("x" * 12), 10)
        )
        db.session.remove()
    client = app.test_client()
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    client.post(
        "/login", data={"csrf_token": csrf, "username": "deltaker1", "password": "stegvis-demo"}
    )
    for path in ("/", "/group", "/me", "/login", "/manifest.webmanifest", "/healthz"):
        client.get(path)
        report(f"GET {path}", timed(lambda p=path: client.get(p), 200))


if __name__ == "__main__":
    main()
