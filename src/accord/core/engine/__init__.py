"""The SLA engines: a pure function of (events, configuration, as-of instant) to metric records.

``reference`` is the specification: plain Python, one ticket at a time.
"""

from accord.core.engine.reference import compute, compute_ticket

__all__ = ["compute", "compute_ticket"]
