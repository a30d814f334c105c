"""Alert rules, channels and their pure evaluation (no I/O: "now" is always an argument)."""
