"""The batch engine: the reference engine's figures over columnar tables, at array speed.

- :func:`compute_partition` (the kernel): an events table in, the records table out;
- :func:`compute_batch`: the same over any number of tickets, on ``jobs`` local processes;
- :func:`attribute_partition` / :func:`attribute_batch`: the same, and every cycle's time split
  by its holders (:mod:`accord.core.engine.attribution`);
- :func:`events_to_table` / :func:`records_from_table`: conversions to and from the row types.

``agreements=True`` adds the records of the internal agreements (:mod:`.agreements`).

The tables are described in :mod:`accord.core.engine.batch.schema`. Explanations are not
computed here: the batch engine leaves ``explanation`` empty, and one ticket's explanation comes
from the reference engine (:func:`accord.core.engine.reference.compute_ticket`), which the
batch engine equals in every other figure.
"""

from accord.core.engine.batch.kernel import attribute_partition, compute_partition
from accord.core.engine.batch.parallel import (
    EVENTS_PER_JOB,
    attribute_batch,
    auto_jobs,
    compute_batch,
    partition_of,
)
from accord.core.engine.batch.schema import (
    EVENTS_SCHEMA,
    PLAIN_RECORDS_SCHEMA,
    RECORDS_SCHEMA,
    events_to_table,
    plain_records,
    records_from_table,
)

__all__ = [
    "EVENTS_PER_JOB",
    "EVENTS_SCHEMA",
    "PLAIN_RECORDS_SCHEMA",
    "RECORDS_SCHEMA",
    "attribute_batch",
    "attribute_partition",
    "auto_jobs",
    "compute_batch",
    "compute_partition",
    "events_to_table",
    "partition_of",
    "plain_records",
    "records_from_table",
]
