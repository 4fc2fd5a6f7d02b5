import logging
import logging.config
from pathlib import Path

from flask_remodel.logging_guard import preserved_logging

INI = """
[loggers]
keys = root,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_alembic]
level = INFO
handlers = console
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(message)s
"""


def test_file_config_inside_the_guard_leaves_app_loggers_as_they_were(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text(INI)
    app_logger = logging.getLogger("myapp.guard_test")
    app_logger.setLevel(logging.DEBUG)
    handler = logging.NullHandler()
    app_logger.addHandler(handler)
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    try:
        with preserved_logging():
            logging.config.fileConfig(ini)  # what Flask-Migrate's env.py does
            assert app_logger.disabled  # the damage the guard undoes
        assert not app_logger.disabled
        assert app_logger.level == logging.DEBUG
        assert app_logger.handlers == [handler]
        assert root.level == root_level
        assert root.handlers == root_handlers
    finally:
        app_logger.removeHandler(handler)


def test_loggers_created_inside_the_guard_lose_their_new_handlers(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text(INI.replace("qualname = alembic", "qualname = guard_created_logger"))
    with preserved_logging():
        logging.config.fileConfig(ini, disable_existing_loggers=False)
        assert logging.getLogger("guard_created_logger").handlers
    assert logging.getLogger("guard_created_logger").handlers == []
