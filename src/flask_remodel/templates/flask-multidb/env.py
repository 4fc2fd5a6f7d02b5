# The migration environment lives in Flask-Remodel itself, so that fixes reach
# this project when the package is upgraded. Every bind of the app (the default
# database and each SQLALCHEMY_BINDS entry) is migrated in turn.
from flask_remodel.environment import run_migrations

run_migrations(multidb=True)
