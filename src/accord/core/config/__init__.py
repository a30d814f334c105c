"""Configuration: schemas (``models``), YAML loading with line numbers and collected
validation (``loader``), and static checks of the policy list (``analysis``)."""
