"""Tests of the revision index (flask_remodel.revision_index)."""
