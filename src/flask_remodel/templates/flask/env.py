# The migration environment lives in Flask-Remodel itself, so that fixes reach
# this project when the package is upgraded. Customise it through
# Migrate(app, db, **configure_kwargs) or @migrate.configure, not by editing here.
from flask_remodel.environment import run_migrations

run_migrations()
