"""Development tools of a checkout, never shipped: the engine benchmark (`manage.py bench`,
devtools/bench/), the load test (`make loadtest`, devtools/loadtest.py) and the production-shaped
child processes they and the tests start (devtools/processes.py: gunicorn, a Celery worker, their
environment).

Neither the wheel (pyproject.toml lists the packages it holds) nor the Docker image (.dockerignore)
contains this package; proofloop/settings.py installs the app only when it is importable.
"""
