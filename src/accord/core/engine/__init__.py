"""The SLA engines: a pure function of (events, configuration, as-of instant) to metric records.

``reference`` is the specification: plain Python, one ticket at a time. ``attribute`` also
splits every cycle's time by the holders in force (:mod:`.attribution`); ``agreements=True``
adds the records of the internal agreements (:mod:`.agreements`).
"""

from accord.core.engine.reference import attribute, compute, compute_ticket

__all__ = ["attribute", "compute", "compute_ticket"]
