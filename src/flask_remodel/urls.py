"""Database URLs as they may be shown to people: never with a password."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url

# scheme://user:password@host -> scheme://user:***@host, for URLs inside free text
# (driver error messages sometimes repeat the URL they were given).
_PASSWORD_IN_TEXT = re.compile(r"(?P<head>\b[\w+.-]+://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<tail>@)")


def mask_url(url: str | URL) -> str:
    """Render *url* with its password replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # not a URL SQLAlchemy can parse: mask what looks like one
        return mask_passwords(str(url))
    return parsed.render_as_string(hide_password=True)


def shown_url(url: URL) -> str:
    """*url* masked, as the app's config wrote it when that is the same database.

    Flask-SQLAlchemy adds driver defaults to the URL it builds the engine from
    (``?charset=utf8mb4`` for MySQL): a message about the database should
    show the URL the user wrote, not one they would not recognise.
    """
    for written in _configured_urls():
        try:
            parsed = make_url(written)
        except Exception:  # not a URL: not the one to show
            continue
        if parsed.set(query={}) == url.set(query={}) and set(parsed.query) <= set(url.query):
            return mask_url(parsed)
    return mask_url(url)


def _configured_urls() -> list[str]:
    # Imported here: the deploy runner masks URLs too, and knows nothing of Flask.
    from flask import current_app
    from flask import has_app_context

    if not has_app_context():
        return []
    config = current_app.config
    found = [config.get("SQLALCHEMY_DATABASE_URI")]
    for bind in (config.get("SQLALCHEMY_BINDS") or {}).values():
        found.append(bind.get("url") if isinstance(bind, dict) else bind)
    return [str(url) for url in found if url]


def mask_passwords(text: str) -> str:
    """Mask every ``user:password@`` found in free *text*."""
    return _PASSWORD_IN_TEXT.sub(r"\g<head>***\g<tail>", text)
