"""The embedded SQLite time-series store, the collector's default storage backend.

Kept import-light on purpose: the registry imports ``config`` when the collector config is loaded and
``store`` only when this backend is selected. See README.md for the on-disk layout.
"""
