"""Real applications' published migration histories, run with Flask-Migrate and Flask-Remodel."""
