from sqlalchemy.engine import make_url

from flask_remodel.urls import mask_passwords
from flask_remodel.urls import mask_url


def test_mask_url_hides_the_password_and_keeps_the_rest() -> None:
    masked = mask_url("postgresql+psycopg://alice:s3cret@db.example:5432/app")
    assert "s3cret" not in masked
    assert masked == "postgresql+psycopg://alice:***@db.example:5432/app"


def test_mask_url_leaves_urls_without_password_alone() -> None:
    assert mask_url("sqlite:////tmp/app.db") == "sqlite:////tmp/app.db"


def test_mask_passwords_in_free_text() -> None:
    text = 'could not connect to mysql+pymysql://root:hunter2@127.0.0.1/x: refused'
    assert mask_passwords(text) == (
        "could not connect to mysql+pymysql://root:***@127.0.0.1/x: refused"
    )


def test_mask_url_on_text_that_is_not_a_url() -> None:
    assert mask_url("not a url at all") == "not a url at all"


def test_passwords_with_separators_are_masked_whole() -> None:
    # ':' and an encoded '@' inside a password must not end the part that is hidden.
    for password in ("pa:ss", "p%40ss:w", "::"):
        url = f"postgresql://alice:{password}@db.example/app"
        assert mask_url(url) == "postgresql://alice:***@db.example/app"
        assert mask_passwords(f"cannot reach {url}: timeout") == (
            "cannot reach postgresql://alice:***@db.example/app: timeout"
        )


def test_mask_url_takes_url_objects() -> None:
    url = make_url("mysql+pymysql://root:hunter2@127.0.0.1:3306/app")
    assert mask_url(url) == "mysql+pymysql://root:***@127.0.0.1:3306/app"


def test_mask_url_masks_what_sqlalchemy_cannot_parse() -> None:
    # Not a URL SQLAlchemy accepts (no such port), but a password is still in it.
    assert mask_url("postgresql://alice:s3cret@db:notaport/app") == (
        "postgresql://alice:***@db:notaport/app"
    )


def test_shown_url_prefers_the_url_the_config_wrote() -> None:
    from flask import Flask

    from flask_remodel.urls import shown_url

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://app:pw@db.example/main"
    app.config["SQLALCHEMY_BINDS"] = {
        "broken": "::not a url::",  # skipped, not the end of the search
        "empty": None,
        "reports": {"url": "mysql+pymysql://app:pw@db.example/reports", "echo": True},
        "audit": "mysql+pymysql://app:pw@db.example/audit",
        "strict": "mysql+pymysql://app:pw@db.example/strict?ssl=on",
    }
    charset = "?charset=utf8mb4"
    with app.app_context():
        for name in ("main", "reports", "audit"):
            built = make_url(f"mysql+pymysql://app:pw@db.example/{name}{charset}")
            assert shown_url(built) == f"mysql+pymysql://app:***@db.example/{name}"
        # A configured option the engine's URL lacks: another database, shown as built.
        strict = make_url(f"mysql+pymysql://app:pw@db.example/strict{charset}")
        assert shown_url(strict) == f"mysql+pymysql://app:***@db.example/strict{charset}"
        # The same options, in the config: the configured text, query included.
        both = make_url("mysql+pymysql://app:pw@db.example/strict?ssl=on&charset=utf8mb4")
        assert shown_url(both) == "mysql+pymysql://app:***@db.example/strict?ssl=on"


def test_shown_url_without_binds_or_a_database_uri() -> None:
    from flask import Flask

    from flask_remodel.urls import shown_url

    app = Flask(__name__)
    app.config["SQLALCHEMY_BINDS"] = {"only": "sqlite:///only.db"}
    with app.app_context():
        assert shown_url(make_url("sqlite:///only.db?timeout=5")) == "sqlite:///only.db"
    bare = Flask(__name__)
    bare.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///main.db"
    with bare.app_context():
        assert shown_url(make_url("sqlite:///main.db?timeout=5")) == "sqlite:///main.db"
    # The same option, its value rewritten by a driver default: still the configured text.
    rewritten = Flask(__name__)
    rewritten.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://app@db/main?charset=utf8"
    with rewritten.app_context():
        built = make_url("mysql+pymysql://app@db/main?charset=utf8mb4")
        assert shown_url(built) == "mysql+pymysql://app@db/main?charset=utf8"
