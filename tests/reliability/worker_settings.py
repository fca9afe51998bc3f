"""Settings of the Celery workers that tests/reliability/test_worker_killed.py starts and
kills: production settings (proofloop.settings, from the same environment variables), with the
broker's visibility timeout shortened so that a task whose worker died is handed out again
within seconds instead of an hour. CELERY_VISIBILITY_TIMEOUT refuses values under 60 s
(production must stay above its longest task), hence a settings module of the tests' own.
"""

import os

from proofloop.settings import *  # noqa: F403

CELERY_BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "5"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # Look for messages to restore every second (default: every 10 × 10 s).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
