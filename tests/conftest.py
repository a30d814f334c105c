"""Settings for the whole suite."""

from hypothesis import settings

# No wall-clock limits in tests: hypothesis' default deadline (200 ms an example) fails an
# example that happens to load or compile the batch engine's compiled loops on a cold
# machine, which says nothing about the rule under test.
settings.register_profile("accord", deadline=None)
settings.load_profile("accord")
