"""Write BPI Challenge 2013 CSV rows as an XES log, for testing the XES importer.

Only the CSV of the BPIC 2013 incidents log is shipped in ../shared/data, so the XES tests
synthesise the XES form from the CSV rows in the shape of the published XES log (OpenXES
header: extensions, global attribute defaults, classifiers), with its attribute keys and
their published meanings: the trace's ``concept:name`` is the SR Number; each event has
``concept:name`` (Status), ``lifecycle:transition`` (Sub Status), ``time:timestamp``,
``org:resource`` (Owner First Name), ``org:group`` (Involved ST, the support team),
``org:role`` (Involved ST Function Div), ``organization involved`` (Involved Org line 3,
the organisation line), ``impact``, ``product``, ``resource country`` (Owner Country) and
``organization country`` (Country).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

EXTENSIONS = (
    ("Lifecycle", "lifecycle"),
    ("Organizational", "org"),
    ("Time", "time"),
    ("Concept", "concept"),
)
EVENT_KEYS = (
    ("concept:name", "Status"),
    ("lifecycle:transition", "Sub Status"),
    ("org:resource", "Owner First Name"),
    ("org:group", "Involved ST"),
    ("org:role", "Involved ST Function Div"),
    ("organization involved", "Involved Org line 3"),
    ("impact", "SR Latest Impact"),
    ("product", "Product"),
    ("resource country", "Owner Country"),
    ("organization country", "Country"),
)


def _xes_date(iso: str) -> str:
    # 2010-03-31T15:59:42+01:00 -> 2010-03-31T15:59:42.000+01:00, as XES tools write it
    return iso[:19] + ".000" + iso[19:]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)


def write_xes(rows: Iterable[dict[str, str]], out: IO[str]) -> int:
    """Write ``rows`` (grouped by case, as the CSV is) as XES; return the number of events."""
    out.write('<?xml version="1.0" encoding="UTF-8" ?>\n')
    out.write("<!-- This file has been generated with the OpenXES library. -->\n")
    out.write('<log xes.version="1.0" xes.features="nested-attributes" '
              'openxes.version="1.0RC7" xmlns="http://www.xes-standard.org/">\n')  # fmt: skip
    for name, prefix in EXTENSIONS:
        uri = f"http://www.xes-standard.org/{prefix}.xesext"
        out.write(f'\t<extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n')
    # global defaults: attributes of the log's header, never of any event
    out.write('\t<global scope="trace">\n\t\t<string key="concept:name" value="__INVALID__"/>\n')
    out.write('\t</global>\n\t<global scope="event">\n')
    for key, _ in EVENT_KEYS:
        out.write(f'\t\t<string key={quoteattr(key)} value="__INVALID__"/>\n')
    out.write('\t\t<date key="time:timestamp" value="1970-01-01T01:00:00.000+01:00"/>\n')
    out.write("\t</global>\n")
    out.write(
        '\t<classifier name="MXML Legacy Classifier" keys="concept:name lifecycle:transition"/>\n'
    )
    out.write('\t<classifier name="Event Name" keys="concept:name"/>\n')
    out.write('\t<classifier name="Resource" keys="org:resource"/>\n')
    out.write('\t<string key="concept:name" value="VINST cases incidents"/>\n')
    case = None
    n = 0
    for row in rows:
        if row["SR Number"] != case:
            if case is not None:
                out.write("\t</trace>\n")
            case = row["SR Number"]
            out.write(f'\t<trace>\n\t\t<string key="concept:name" value={quoteattr(case)}/>\n')
        out.write("\t\t<event>\n")
        for key, column in EVENT_KEYS:
            out.write(f"\t\t\t<string key={quoteattr(key)} value={quoteattr(row[column])}/>\n")
        when = _xes_date(row["Change Date+Time"])
        out.write(f'\t\t\t<date key="time:timestamp" value="{when}"/>\n')
        out.write("\t\t</event>\n")
        n += 1
    if case is not None:
        out.write("\t</trace>\n")
    out.write("</log>\n")
    return n


def csv_to_xes(csv_path: Path, xes_path: Path) -> int:
    """Write the XES form of a BPIC 2013 CSV (``.gz`` for a gzipped XES)."""
    opener = gzip.open if xes_path.suffix == ".gz" else open
    with opener(xes_path, "wt", encoding="utf-8") as out:
        return write_xes(_rows(csv_path), out)
