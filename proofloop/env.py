"""Strict readers for configuration from the environment.

django-environ parses URLs well but casts booleans leniently ("maybe" becomes False); a
typo in production must stop the start-up instead, with the variable's name in the message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: {expected}.")


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean in `name`; accepts 1/0, true/false, yes/no, on/off."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _fail(name, value, "expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """Return the integer in `name`, checked against the optional bounds."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "expected a whole number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _fail(name, value, f"expected a number between {minimum} and {maximum}")
    return number


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None = None, *,
            schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """Return an absolute URL whose scheme is one of `schemes`, without a trailing slash."""
    value = env_str(name, default)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise _fail(name, value, f"expected an absolute URL starting with {' or '.join(schemes)}://")
    return value.rstrip("/")


def env_parsed(name: str, value: str, parse: Callable[[str], T]) -> T:
    """Run one of django-environ's URL parsers, naming the variable if it fails."""
    try:
        return parse(value)
    except (ImproperlyConfigured, ValueError, KeyError, AttributeError) as exc:
        raise _fail(name, value, str(exc) or "cannot be parsed") from None


def database_config(name: str, default: str) -> dict[str, Any]:
    value = env_str(name, default)
    assert value is not None
    config = env_parsed(name, value, environ.Env.db_url_config)
    if config.get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise _fail(name, value, "expected a postgres:// or sqlite:/// URL")
    return config


def email_config(name: str, value: str) -> dict[str, Any]:
    config = env_parsed(name, value, environ.Env.email_url_config)
    if not config.get("EMAIL_BACKEND"):
        raise _fail(name, value, "expected smtp://, smtp+tls://, smtp+ssl:// or consolemail://")
    return config
