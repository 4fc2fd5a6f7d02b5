"""Tests of the revision index (flask_remodel.history)."""
