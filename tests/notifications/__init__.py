"""Tests of subscriptions, notifications, emails and digests."""
