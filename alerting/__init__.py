"""Alert rules, states, silences and notifications (built in the alerting issue)."""
