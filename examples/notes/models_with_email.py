"""The notes app's models, second version: username is now fullname, and email is required.

``demo.py`` copies this over ``models.py`` to show a change of models becoming a migration.
"""

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):  # type: ignore[name-defined]
    id = db.Column(db.Integer, primary_key=True)
    fullname = db.Column(db.String(64), nullable=False)
    email = db.Column(db.String(120), nullable=False)
