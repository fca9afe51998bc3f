FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The exact versions of requirements/base.lock (runtime only; `make lock` writes it), in a layer
# of their own that is rebuilt only when the lock changes; then the project without resolving
# anything again. The demo data generator (the `demo` extra) and devtools/ are not in the image.
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir -r requirements/base.lock
COPY pyproject.toml README.md manage.py ./
COPY proofloop ./proofloop
COPY core ./core
COPY validation ./validation
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir --no-deps .
# Static files are collected at build time and served by whitenoise.
RUN DJANGO_SECRET_KEY=build-only EMAIL_URL=consolemail:// python manage.py collectstatic --noinput
RUN useradd --create-home proofloop
USER proofloop
EXPOSE 8000
CMD ["gunicorn", "proofloop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "2", "--keep-alive", "30"]
