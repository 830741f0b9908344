"""Management reports: the monthly SLA report and the daily inspection report (巡检日报)."""
