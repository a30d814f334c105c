"""Internal agreements (OLAs): clocks between teams, nested under the customer SLA.

- :mod:`.models`: the ``agreements:`` section's schema and the resolved :class:`Agreement`;
- :mod:`.check`: its checks, run by the configuration loader;
- :mod:`.links`: which agreement cycles lie under which SLA cycle (``underpins``).

The engines (:mod:`accord.core.engine`) run the agreements' clocks when asked
(``agreements=True``); their records are internal (metric ``ola:<name>``).
"""

from accord.core.agreements.models import AGREEMENT_PREFIX, Agreement, AgreementSpec, is_internal

__all__ = ["AGREEMENT_PREFIX", "Agreement", "AgreementSpec", "is_internal"]
