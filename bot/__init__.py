"""Gremium bot package."""
