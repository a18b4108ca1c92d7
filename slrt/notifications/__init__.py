"""Service times, reminders and escalation, notifications, outreach follow-up."""
