"""Subscriptions, in-app notifications, instant emails and digests."""
