"""Sample landing-data generators, one module per domain."""
