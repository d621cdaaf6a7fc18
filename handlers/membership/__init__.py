"""Joining and leaving groups: /start and consent, /groups, /mygroups, group-chat links."""
