"""Bersih."""
