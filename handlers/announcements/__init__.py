"""Announcements: composing, listing, texts and the release to the outbox with its report."""
