"""Gremium domain package."""
