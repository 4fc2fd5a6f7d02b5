"""The notes app's models, first version: a user has a username.

``demo.py`` replaces this file with ``models_with_email.py`` to show a change of
models becoming a migration.
"""

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):  # type: ignore[name-defined]
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False)
