"""Gremium sandbox package."""
