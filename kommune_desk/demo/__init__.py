"""Deterministic demo data for the Kreis Groß-Gerau network."""
