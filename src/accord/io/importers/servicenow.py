"""ServiceNow incident audit exports (the format of the UCI incident event log).

Each row is the incident's state after one update (``sys_updated_at``); the importer emits the
incident's creation at ``opened_at`` and then only the fields each update changed. A
reassignment shows as a change of ``team`` / ``assignee`` (and of the ``reassignment_count``
custom field), a reopen as a status change out of ``solved`` (and of ``reopen_count``).
Rows that change nothing mapped (an update of ``sys_mod_count`` or of an unmapped column
only) are counted as rows without change. ``made_sla`` is kept as a custom field.
"""

from __future__ import annotations

from typing import ClassVar

from accord.io.importers.tabular import SnapshotImporter


class ServiceNowImporter(SnapshotImporter):
    format: ClassVar[str] = "servicenow"
    title: ClassVar[str] = "ServiceNow incident audit export (CSV, e.g. the UCI incident log)"
    row_name: ClassVar[str] = "audit row"
    unchanged_means: ClassVar[str] = "only sys_mod_count or unmapped columns changed"
