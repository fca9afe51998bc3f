FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY proofloop ./proofloop
COPY core ./core
COPY validation ./validation
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected at build time and served by whitenoise.
RUN DJANGO_SECRET_KEY=build-only EMAIL_URL=consolemail:// python manage.py collectstatic --noinput
RUN useradd --create-home proofloop
USER proofloop
EXPOSE 8000
CMD ["gunicorn", "proofloop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "2", "--keep-alive", "30"]
