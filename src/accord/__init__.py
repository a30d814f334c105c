"""Accord: exact SLA clocks, KPI scoreboards and contract compliance from ticket events.

The package is laid out by architecture:

- ``accord.core``: the pure core (no I/O, no system clock): time arithmetic, calendars,
  configuration schemas and validation, the SLA engines.
- ``accord.io``: the edges: event readers, the quarantine, writers.
- ``accord.cli``: the ``accord`` command, thin over the rest.
"""

__version__ = "0.1.0"
