"""The meeting rhythm's steps: /schedule, the review and poll-opening steps, their texts."""
