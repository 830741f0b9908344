"""The runbooks of the shipped rule pack, as package data (``itops.runbooks``): read them through
``itops.alerting.dispatch.runbooks``."""
