"""The default import mappings shipped with Accord (one YAML file per format)."""
