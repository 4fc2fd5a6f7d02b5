"""Shared test machinery: fresh databases, in-process apps, independent inspection.

The fixtures in ``tests/conftest.py`` are thin wrappers around this package;
tests import the helpers from here (``from support import table_names``).
"""

from support.apps import AppFactory
from support.apps import DefineModels
from support.apps import MadeApp
from support.apps import add_column
from support.apps import add_table
from support.apps import find_table
from support.apps import metadatas
from support.databases import ALL_BACKENDS
from support.databases import SERVERS
from support.databases import Server
from support.databases import create_database
from support.databases import database_exists
from support.databases import drop_database
from support.databases import fresh_database
from support.databases import selected_backends
from support.databases import server_unavailable
from support.inspection import column_details
from support.inspection import columns
from support.inspection import engine_for
from support.inspection import execute
from support.inspection import insert_rows
from support.inspection import rows
from support.inspection import table_names
from support.inspection import table_rows

__all__ = [
    "ALL_BACKENDS",
    "SERVERS",
    "AppFactory",
    "DefineModels",
    "MadeApp",
    "Server",
    "add_column",
    "add_table",
    "column_details",
    "columns",
    "create_database",
    "database_exists",
    "drop_database",
    "engine_for",
    "execute",
    "find_table",
    "insert_rows",
    "fresh_database",
    "metadatas",
    "rows",
    "selected_backends",
    "server_unavailable",
    "table_names",
    "table_rows",
]
