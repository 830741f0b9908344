"""The embedded SQLite time-series store, the collector's default storage backend.

Kept import-light on purpose: the registry imports ``config`` when the collector config is loaded and
``sqlite`` only when this backend is selected. See README.md for the on-disk layout.
"""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="SQLiteConfig", implementation="SQLiteStorage")
