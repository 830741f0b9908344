"""Line protocol out to InfluxDB 1.x, 2.x and 3 and VictoriaMetrics, through a local on-disk outbox.

Kept import-light on purpose: the registry imports ``config`` when the collector config is loaded and
``influxdb`` only when this output is configured. See README.md.
"""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="InfluxDBConfig", implementation="InfluxDBOutput")
