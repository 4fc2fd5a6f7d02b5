"""Public names and the command reference, checked without Flask-Migrate installed."""

from pathlib import Path

import flask_remodel


def test_alembic_version_is_three_integers() -> None:
    import alembic

    assert len(flask_remodel.alembic_version) == 3
    assert all(isinstance(n, int) for n in flask_remodel.alembic_version)
    assert ".".join(map(str, flask_remodel.alembic_version)) == alembic.__version__.split("+")[0]


def test_config_keeps_template_directory_argument(tmp_path: object) -> None:
    config = flask_remodel.Config(template_directory="/somewhere")
    assert config.get_template_directory() == "/somewhere"
    assert flask_remodel.Config().get_template_directory().endswith("templates")


def test_command_reference_documents_every_command_and_option() -> None:

    from flask_remodel.cli import db

    reference = (Path(__file__).parents[2] / "docs" / "commands.md").read_text()
    sections = reference.split("\n## ")
    for name, command in db.commands.items():
        section = next((s for s in sections if s.startswith(f"`flask db {name}")), None)
        assert section is not None, f"docs/commands.md has no section for {name}"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert f"`{opt}" in section, f"{name}: {opt} undocumented"
    for param in db.params:
        for opt in param.opts:
            assert f"`{opt}" in sections[0] + sections[1], f"group option {opt} undocumented"
