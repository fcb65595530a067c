"""Scenario layer: schema, YAML loading, validation, regimes and building model state."""
