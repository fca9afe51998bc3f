"""One error shape for the whole API: `{"detail", "code", "errors"}`.

`detail` is a sentence for people, `code` a stable machine-readable word (DRF's codes:
`invalid`, `not_authenticated`, `permission_denied`, `not_found`, `throttled`, …) and
`errors` maps each invalid input field to its messages (empty unless the input was invalid).
Django ValidationErrors raised by the services become 400s here, their model field names
mapped to the API's names by the view's `error_fields`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

# Nested list items are reported on their parent field, numbered from 1 like the services do.
ITEM_NOUNS = {"hypotheses": "Link"}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="A stable word for programs: invalid, not_found, "
                                           "not_authenticated, permission_denied, throttled, …")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; `non_field_errors` for the input as a whole. Empty "
                  "unless the input was invalid.")


def _text(message: Any) -> str:
    # Error messages may quote the input; a lone surrogate in it could not be encoded.
    return str(message).encode("utf-8", "replace").decode("utf-8")


def _flatten(field: str, value: Any) -> list[str]:
    """Messages of `field`; nested errors (list items, objects) become prefixed sentences."""
    if isinstance(value, dict) and value and all(isinstance(key, int) for key in value):
        # A list serializer's errors, keyed by the index of each invalid item.
        noun = ITEM_NOUNS.get(field, "Item")
        return [f"{noun} {index + 1}: {message}" for index, item in sorted(value.items())
                for message in _flatten(field, item)]
    if isinstance(value, dict):
        return [f"{name}: {message}" if name != api_settings.NON_FIELD_ERRORS_KEY else message
                for name, nested in value.items() for message in _flatten(name, nested)]
    if isinstance(value, list):
        if any(isinstance(item, dict) for item in value):
            noun = ITEM_NOUNS.get(field, "Item")
            return [f"{noun} {position}: {message}"
                    for position, item in enumerate(value, start=1) if item
                    for message in _flatten(field, item)]
        return [message for item in value for message in _flatten(field, item)]
    return [_text(value)]


def field_errors(detail: Any) -> dict[str, list[str]]:
    """A ValidationError's detail as `{field: [message, …]}`."""
    if isinstance(detail, dict):
        return {_text(field): _flatten(field, value) for field, value in detail.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: _flatten("", detail)}


def from_django(exc: DjangoValidationError, view: Any) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, each model field renamed to its API field."""
    names = {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY,
             **getattr(view, "error_fields", {})}
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
    errors: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        errors.setdefault(names.get(field, field), []).extend(messages)
    return exceptions.ValidationError(errors)


def _codes(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, then the body rewritten into the one error shape."""
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc, context.get("view"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # an unexpected error: a 500, logged as such
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "invalid",
                         "errors": field_errors(exc.detail)}
    else:
        response.data = {"detail": _text(exc.detail), "code": _codes(exc), "errors": {}}
    return response


@csrf_exempt  # a 404 whatever the method; there is nothing to protect
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/: a 404 in the API's error shape rather than an HTML page."""
    return JsonResponse({"detail": "Not found.", "code": "not_found", "errors": {}}, status=404)
