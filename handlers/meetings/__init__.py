"""Meetings: commands, the flow from a fixed date to reminders, and the group's meeting rhythm."""
