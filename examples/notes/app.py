"""A tiny Flask app whose models change: the example `make demo` walks through.

The models live in models.py; the demo swaps in a second version of that file
to show a change of models turning into a migration.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_remodel import Migrate

HERE = Path(__file__).parent

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
    "NOTES_DATABASE_URL", f"sqlite:///{HERE / 'notes.db'}"
)
db = SQLAlchemy(app)
migrate = Migrate(app, db, directory=str(HERE / "migrations"))

from models import *  # noqa: E402,F403 - the models register themselves on db
