"""The monthly SLA report and the daily inspection report (巡检日报), in the order a report is made:

- ``config``: the ``reports`` config section (models only, loaded with any config file);
- ``figures/``: what a report shows, computed from its inputs (pure: no I/O, hand-built in tests);
- ``sources/``: those inputs, read from the collector's stores;
- ``render/``: figures as PDF, HTML, CSV or text (``to_file`` picks by format);
- ``schedule``: when reports are made; ``files``: where they are kept; ``mail``: sending them;
- ``routes``: the reports API; ``service`` wires all of it for the collector.
"""
