"""The plugin is tested end to end in pytest subprocesses (pytester)."""

pytest_plugins = ["pytester"]
