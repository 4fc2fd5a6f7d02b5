"""SQLite safety tests.

A package, so that its conftest is imported as ``sqlite.conftest`` and does
not take the place of ``tests/conftest.py``, which tests import as ``conftest``.
"""
