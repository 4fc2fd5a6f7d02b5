"""Reading a revision header statically: what it reads, and what it leaves to an import."""

from __future__ import annotations

import ast
import sys

import pytest

from flask_remodel.revision_index import Header
from flask_remodel.revision_index import header as header_module
from flask_remodel.revision_index import read_header

TEMPLATE = b'''"""Add users

Revision ID: ab12
Revises: 9f00
"""
from typing import Sequence, Union

revision: str = "ab12"
down_revision: Union[str, Sequence[str], None] = "9f00"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    revision = "local names do not count"  # noqa
'''


def test_reads_the_template_header() -> None:
    header = read_header(TEMPLATE.replace(b'    revision = "local', b'    x = "local'))
    assert header == Header("ab12", "9f00", None, None, TEMPLATE.decode().split('"""')[1])


def test_sequences_become_tuples() -> None:
    source = (
        b"revision = 'm1'\ndown_revision = ['a', 'b']\nbranch_labels = 'x'\ndepends_on = ('c',)\n"
    )
    assert read_header(source) == Header("m1", ("a", "b"), "x", ("c",), None)


def test_optional_names_may_be_missing() -> None:
    assert read_header(b"revision = 'r'\ndown_revision = None\n") == Header("r")


def test_constants_the_compiler_folds_are_read_as_imported() -> None:
    source = b"revision = 'ab' + 'cd'\ndown_revision = ('x',) + ('y',)\n"
    assert read_header(source) == Header("abcd", ("x", "y"))


def test_files_with_control_flow_are_read_from_the_syntax_tree() -> None:
    source = b"import os\nrevision = 'r'\ndown_revision = None\nif os.sep:\n    x = 1\n"
    assert read_header(source) == Header("r")


def test_functions_that_do_not_run_at_import_may_use_globals() -> None:
    # The multi-database template dispatches with globals() inside upgrade().
    source = (
        b"revision = 'r'\ndown_revision = None\n"
        b"def upgrade(engine_name):\n    globals()[f'upgrade_{engine_name}']()\n"
    )
    assert read_header(source) == Header("r")
    # A decorator is a call made during the import: the body could run then.
    decorated = b"import functools\n@functools.cache\n" + source.split(b"\n", 2)[2]
    assert read_header(source.split(b"def")[0] + decorated) is None


def test_encoding_cookie_is_honoured() -> None:
    source = "# -*- coding: latin-1 -*-\n'''Caf\u00e9'''\nrevision = 'r'\ndown_revision = None\n"
    header = read_header(source.encode("latin-1"))
    assert header is not None and header.doc == "Caf\u00e9"


@pytest.mark.parametrize(
    "source",
    [
        b"revision = make_id()\ndown_revision = None\n",  # computed id
        b"revision = ''.join(['a', 'b'])\ndown_revision = None\n",
        b"revision = 1\ndown_revision = None\n",  # not a string
        b"revision = 'r'\n",  # Alembic fails on the missing down_revision
        b"down_revision = None\n",  # Alembic falls back to the file name
        b"revision = 'r'\ndown_revision = [1]\n",
        b"revision = 'r'\nrevision = 's'\ndown_revision = None\n",
        b"import os\nif os.sep:\n    revision = 'r'\ndown_revision = None\n",
        b"revision = 'r'\ndown_revision = None\nfor revision in 'ab': pass\n",
        b"revision = 'r'\ndown_revision = None\nglobals()['revision'] = 's'\n",
        b"revision = 'r'\ndown_revision = None\nimport sys\nsys.modules[__name__].x = 1\n",
        b"from elsewhere import *\nrevision = 'r'\ndown_revision = None\n",
        b"from elsewhere import revision\ndown_revision = None\n",
        b"revision = 'r'\ndown_revision = None\ndef depends_on(): pass\n",
        b"revision = 'r'\ndown_revision = None\ndef f():\n    global revision\n    revision = ''\n",
        b"revision = 'r'\ndown_revision = None\n_alembic_source_encoding = 'utf-8'\n",
        b"revision = 'r'\ndown_revision = None\ntry:\n    pass\nexcept Exception as depends_on:\n"
        b"    pass\n",
        b"revision = 'r'\ndown_revision = None\ndef upgrade(:\n",  # a syntax error
        b"\xff\xfe revision = 'r'\n",  # not UTF-8
    ],
)
def test_anything_doubtful_is_left_to_an_import(source: bytes) -> None:
    assert read_header(source) is None


def test_stored_headers_round_trip_and_reject_garbage() -> None:
    header = Header("r", ("a", "b"), "x", None, "doc")
    assert Header.from_json(header.to_json()) == header
    for bad in (None, [], {"revision": 1}, {"revision": "r", "down_revision": [1]},
                {"revision": "r", "doc": 3}):
        with pytest.raises(ValueError):
            Header.from_json(bad)


def test_this_python_is_one_the_bytecode_reader_was_checked_on() -> None:
    # A new CPython release may change the module bytecode this reader relies on
    # (3.12 turned IMPORT_STAR into an intrinsic call). Such a release reads every
    # header from the syntax tree until it is checked here and added to the table.
    assert sys.version_info[:2] in header_module.CHECKED_BYTECODE_VERSIONS, (
        f"CPython {sys.version_info[0]}.{sys.version_info[1]} is not in "
        "CHECKED_BYTECODE_VERSIONS: run tests/revision_index on it and add it once they pass"
    )


@pytest.mark.parametrize(
    "source",
    [
        TEMPLATE.replace(b'    revision = "local', b'    x = "local'),
        b"revision = 'm1'\ndown_revision = ('a', 'b')\nbranch_labels = None\n",
        b"'''doc'''\nimport sqlalchemy as sa\nfrom alembic import op\nrevision = 'xx'\n"
        b"down_revision = None\ndepends_on = ['q']\n",
        b"from elsewhere import *\nrevision = 'r'\ndown_revision = None\n",
        b"revision = 'r'\ndown_revision = None\nx = +1\ny = (*[1, 2],)\n",
        b"revision = 'r'\nrevision = 's'\ndown_revision = None\n",
    ],
)
def test_bytecode_and_syntax_tree_readers_agree(source: bytes) -> None:
    code = compile(source, "<revision>", "exec", dont_inherit=True)
    from_bytecode = header_module._straight_line_constants(code)
    from_tree = header_module._literal_assignments(ast.parse(source))
    if from_bytecode is not None:
        values, _doc = from_bytecode
        assert from_tree is not None and values == from_tree
    # Where the running release is checked, straight-line files are read from bytecode.
    if header_module._BYTECODE and b"*" not in source and b"+1" not in source:
        assert from_bytecode is not None or source.count(b"revision =") > 1
