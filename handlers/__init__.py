"""Gremium handlers package."""
