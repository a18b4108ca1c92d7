"""The facilitator's day: my villages, follow-up tasks, outreach visits (penjangkauan)."""
