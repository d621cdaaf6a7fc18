"""The organisers' and coordinators' group administration and /status."""
