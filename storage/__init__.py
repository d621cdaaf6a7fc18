"""Gremium storage package."""
