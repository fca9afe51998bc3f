"""Test settings: the real settings, plus a fast password hasher and loud eager tasks."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("EMAIL_URL", "consolemail://")

from proofloop.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"token": "1000/min", "writes": "100000/min",  # noqa: F405
                                            "invitations": "100000/min"}
AXES_ENABLED = False
# Ordinary tests run tasks in-process after commit; tests marked `worker` switch this off and
# start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
# A file, not SQLite's shared in-memory database: concurrent tests (threads, live_server)
# then wait on the write lock as the embedded default does, instead of failing with
# "database table is locked". One file per test process.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": f"/tmp/proofloop-test-{os.getpid()}.sqlite3"}  # noqa: S108 (tests only)
