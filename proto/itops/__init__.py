"""itops: infrastructure monitoring and IT operations.

This root package holds the wire contract (``itops.v1``) and the few helpers that the agent and the
collector both need; ``itops.agent``, ``itops.collector`` and ``itops.alerting`` live beside it.
"""

__version__ = "0.1.0"
