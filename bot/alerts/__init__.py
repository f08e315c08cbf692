"""Policy alerts: subscriptions as saved queries, the alert message, and the dispatcher that
posts the outbox (storage/outbox.py) exactly once."""
