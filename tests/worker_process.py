"""One worker process for the multi-process tests:
`python tests/worker_process.py CONFIG_JSON [GO_FILE]`.

Builds the app with the test's configuration (the database, the local push peer's origin, the
lease) and runs one `--once` pass, exactly as `flask --app wsgi worker --once` does; prints the
counts as JSON. A separate interpreter, so several run truly in parallel. With GO_FILE it says
"ready" once started and waits for that file, so that all workers begin at the same moment.
"""

import json
import sys
import time
from pathlib import Path

from webapp import create_app
from webapp.worker import run_once

if __name__ == "__main__":
    app = create_app(json.loads(sys.argv[1]))
    if len(sys.argv) > 2:
        print("ready", flush=True)
        go = Path(sys.argv[2])
        while not go.exists():
            time.sleep(0.01)
    with app.app_context():
        stats = run_once()
    print(json.dumps({"claimed": stats.claimed, "sent": stats.sent, "batches": stats.batches}))
