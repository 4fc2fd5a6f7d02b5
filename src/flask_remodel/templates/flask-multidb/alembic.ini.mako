# Settings read by Alembic for this migrations folder. The database URL and the
# models come from the Flask app; logging is left to the app as well.

[alembic]
# Name revision files by date as well as id, for example:
# file_template = %%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s

# Run the environment for `flask db revision` too (needed to pass -x values to it):
# revision_environment = false

# Split lists in this file (such as version_locations) on the OS path separator.
path_separator = os
