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


def mask_passwords(text: str) -> str:
    """Mask every ``user:password@`` found in free *text*."""
    return _PASSWORD_IN_TEXT.sub(r"\g<head>***\g<tail>", text)
