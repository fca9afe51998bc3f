"""Every email is three templates — subject, plain text, HTML — built by this one helper.

`templates/email/<name>_subject.txt`, `<name>.txt` and `<name>.html` are rendered with the
same context; the HTML gets its CSS inlined (css-inline), since mail clients drop <style>.

The subject and the text part are plain text, not HTML: they are rendered without HTML
escaping ("A & B" stays "A & B" in a header) and returned as plain `str`, never as the
template engine's SafeString, so that a page showing them (the digest preview) escapes them.
"""

from __future__ import annotations

from typing import Any

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.template.loader import render_to_string

_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def absolute_url(path: str) -> str:
    """`path` (from reverse()) as an absolute link for emails, based on SITE_URL."""
    return f"{settings.SITE_URL}{path}"


def render_text(template_name: str, context: dict[str, Any]) -> str:
    """The plain-text template rendered without HTML escaping, as a plain `str`."""
    # The engine's own Template, not the backend's: its render() takes a Context, which says
    # whether to escape.
    template = Engine.get_default().get_template(template_name)
    rendered = template.render(Context(context, autoescape=False))
    # The engine returns a SafeString ("already escaped for HTML"), which this text is not;
    # str() would keep the type, a slice does not.
    return rendered[:]


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text, html) of the email `name` rendered with `context`: the subject
    and the text unescaped and of type `str`, the HTML escaped by the template engine."""
    subject = " ".join(render_text(f"email/{name}_subject.txt", context).split())
    text = render_text(f"email/{name}.txt", context)
    html = _inliner.inline(render_to_string(f"email/{name}.html", context))
    return subject, text, html


def build_email(name: str, context: dict[str, Any], *, to: list[str],
                headers: dict[str, str] | None = None) -> EmailMultiAlternatives:
    """An email with a plain-text body and an HTML alternative, ready to `send()`."""
    subject, text, html = render_email(name, context)
    message = EmailMultiAlternatives(subject=subject, body=text,
                                     from_email=settings.DEFAULT_FROM_EMAIL, to=to,
                                     headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message
