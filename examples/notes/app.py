"""A tiny Flask app whose models change: the example ``make demo`` walks through.

Run it as ``FLASK_APP=app.py flask db ...`` from a copy of this folder (``make demo``
makes one in ``examples/demo-run/``). The SQLite database lives in the app's
instance folder, the migrations next to this file.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from models import db

from flask_remodel import Migrate

app = Flask(__name__)
instance = Path(app.instance_path)
instance.mkdir(parents=True, exist_ok=True)
app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'notes.db'}"
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
# The notes app is one process on one SQLite file, stopped for every upgrade: no
# old instance is left reading a column by its old name, so renaming one (what
# the demo does) breaks nothing here. A standing choice of the project, made once.
app.config["REMODEL_LINT_DISABLE"] = ["rename-column"]

db.init_app(app)
migrate = Migrate(app, db, directory=str(Path(app.root_path) / "migrations"))
