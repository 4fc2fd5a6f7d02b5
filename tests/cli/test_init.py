"""init and list-templates, with every option."""

from __future__ import annotations

from pathlib import Path

from projects import ProjectFactory


def test_list_templates_shows_ours_and_alembics(project_factory: ProjectFactory) -> None:
    output = project_factory().ok("list-templates").output
    for name in ("flask ", "flask-multidb ", "aioflask ", "generic ", "async "):
        assert f"\n{name}" in f"\n{output}", name


def test_init_multidb_writes_the_multidb_environment(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init", "--multidb")
    assert "run_migrations(multidb=True)" in (project.directory / "env.py").read_text()
    assert "engine_name" in (project.directory / "script.py.mako").read_text()


def test_init_with_an_alembic_template(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init", "-t", "generic")
    env = (project.directory / "env.py").read_text()
    assert "flask_remodel" not in env  # Alembic's own generic environment
    assert "run_migrations_online" in env


def test_init_with_a_template_path(project_factory: ProjectFactory, tmp_path: Path) -> None:
    template = tmp_path / "mine"
    template.mkdir()
    (template / "env.py").write_text("# my own environment\n")
    (template / "script.py.mako").write_text("# my template\n")
    (template / "README").write_text("Mine.\n")
    project = project_factory()
    incomplete = project.cli("init", "--template", str(template))
    assert incomplete.exit_code == 3
    assert "has no alembic.ini.mako" in incomplete.output
    (template / "alembic.ini.mako").write_text("[alembic]\n")
    project.ok("init", "--template", str(template))
    assert (project.directory / "env.py").read_text() == "# my own environment\n"


def test_init_aioflask_alias_uses_the_same_environment(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init", "-t", "aioflask")
    assert "from flask_remodel.environment import run_migrations" in (
        project.directory / "env.py"
    ).read_text()


def test_init_package_writes_init_files(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.ok("init", "--package")
    assert (project.directory / "__init__.py").is_file()
    assert (project.directory / "versions" / "__init__.py").is_file()


def test_init_refuses_a_folder_that_is_not_empty(project_factory: ProjectFactory) -> None:
    project = project_factory()
    project.directory.mkdir()
    keep = project.directory / "notes.txt"
    keep.write_text("mine")
    result = project.cli("init")
    assert result.exit_code == 3
    assert "already exists and is not empty" in result.output
    assert keep.read_text() == "mine"


def test_init_unknown_template_names_the_known_ones(project_factory: ProjectFactory) -> None:
    result = project_factory().cli("init", "-t", "nope")
    assert result.exit_code == 3
    assert "No template named 'nope'" in result.output and "flask-multidb" in result.output


def test_directory_from_group_option_subcommand_option_and_environment(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project = project_factory()
    project.ok("-d", str(tmp_path / "by_group"), "init")
    assert (tmp_path / "by_group" / "env.py").is_file()
    project.ok("-d", str(tmp_path / "loser"), "init", "-d", str(tmp_path / "by_command"))
    assert (tmp_path / "by_command" / "env.py").is_file()
    assert not (tmp_path / "loser").exists()
    result = project.cli("init", env={"FLASK_DB_DIRECTORY": str(tmp_path / "by_env")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "by_env" / "env.py").is_file()
    result = project.cli("init", env={"FLASK_DB_INIT_DIRECTORY": str(tmp_path / "by_env2")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "by_env2" / "env.py").is_file()


def test_migrate_directory_given_as_a_path(project_factory: ProjectFactory) -> None:
    project = project_factory(directory="as_path")
    assert isinstance(project.migrate.directory, str)
    project.ok("init")
    assert (project.directory / "alembic.ini").is_file()
