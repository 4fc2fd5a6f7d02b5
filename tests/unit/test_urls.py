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
