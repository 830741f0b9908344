"""Incident records (故障处理单): lifecycle, audit timeline, storage on SQLite or PostgreSQL (``model``, ``store``),
SLA clocks, on-call and escalation. Kept empty so that importing a config model here loads no database code."""
