"""The Arrow table of a page of JSON records read by the compiled projection reader
(:mod:`json_scan`): the schema flattened into its node table once, the column buffers the
scan fills assembled into arrays by ``pa.Array.from_buffers`` (no Python work a record).

The table equals what ``pyarrow.json.read_json`` gives for the page with the schema as an
explicit one and other keys ignored (same types, values, nulls and list layout), or is
``None`` when the scan is not sure of that (then Arrow reads the page).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from accord.io.importers import json_scan as js

_LEAVES = {pa.string(): js.STR, pa.int64(): js.INT, pa.bool_(): js.BOOL}
_INT32_MAX = 2**31 - 1


class _Node:
    __slots__ = ("desc", "key", "kids", "kind", "type")

    def __init__(self, kind: int, type_: pa.DataType, key: bytes) -> None:
        self.kind = kind
        self.type = type_
        self.key = key
        self.kids: list[int] = []
        self.desc: list[int] = []


def _kind(t: pa.DataType) -> int | None:
    if pa.types.is_struct(t):
        return js.OBJ
    if pa.types.is_list(t):
        return js.LIST
    for leaf, kind in _LEAVES.items():
        if t == leaf:
            return kind
    return None


class ScanReader:
    """The compiled reader of pages for one schema; :func:`scan_reader` makes it."""

    def __init__(self, schema: pa.Schema, nodes: list[_Node]) -> None:
        self.schema = schema
        self._nodes = nodes
        n = len(nodes)
        table = np.zeros((n, js.NODE_FIELDS), dtype=np.int64)
        kids: list[int] = []
        keys = bytearray()
        desc: list[int] = []
        for m, node in enumerate(nodes):
            table[m, js.KIND] = node.kind
            table[m, js.KID0], table[m, js.NKIDS] = len(kids), len(node.kids)
            kids.extend(node.kids)
            table[m, js.KEY0], table[m, js.NKEY] = len(keys), len(node.key)
            keys += node.key
            table[m, js.DESC0], table[m, js.NDESC] = len(desc), len(node.desc)
            desc.extend(node.desc)
        self._table = table
        self._kids = np.array(kids, dtype=np.int64)
        self._keys = np.frombuffer(bytes(keys) or b"\0", dtype=np.uint8)
        self._desc = np.array(desc or [0], dtype=np.int64)
        self._count = np.zeros((n, 3), dtype=np.int64)
        self._frames = np.zeros((5, n + 1), dtype=np.int64)
        self._skip = np.zeros(js.MAX_DEPTH + 1, dtype=np.uint8)
        self._key = np.zeros(256, dtype=np.uint8)
        # slots and text bytes a record, per node: a guess for the first page, then the most
        # the pages read needed (a quarter more), so that a page's buffers are nearly always
        # large enough at the first scan without holding much more memory than they fill
        self._slots_rate = np.full(n, 4.0)
        self._bytes_rate = np.where(table[:, js.KIND] == js.STR, 32.0, 0.0)
        self._learned = False

    def read(
        self, buf: NDArray[np.uint8], starts: NDArray[np.int64], ends: NDArray[np.int64]
    ) -> pa.Table | None:
        """The records ``buf[starts[k]:ends[k]]`` as Arrow's JSON reader reads them, or
        ``None`` when the scan cannot be sure of that."""
        records = starts.size
        count = self._count
        table = self._table
        for _ in range(2):
            vcap = np.ceil(self._slots_rate * records).astype(np.int64) + 16
            dcap = np.ceil(self._bytes_rate * records).astype(np.int64) + 16
            table[:, js.VCAP] = vcap
            table[:, js.VBASE] = np.cumsum(vcap) - vcap
            table[:, js.DCAP] = dcap
            table[:, js.DBASE] = np.cumsum(dcap) - dcap
            valid = np.empty(int(vcap.sum()), dtype=np.uint8)
            vals = np.empty(int(vcap.sum()), dtype=np.int64)
            data = np.empty(int(dcap.sum()), dtype=np.uint8)
            got = js.scan_page(
                buf, starts, ends, table, self._kids, self._keys, self._desc,
                count, valid, vals, data, self._frames, self._skip, self._key,
            )  # fmt: skip
            if got == js.BAD:
                return None
            slots = count[:, js.SLOTS] * (1.25 / records)
            text = count[:, js.DLEN] * (1.25 / records)
            if self._learned:
                slots = np.maximum(self._slots_rate, slots)
                text = np.maximum(self._bytes_rate, text)
            self._slots_rate, self._bytes_rate, self._learned = slots, text, True
            if got == js.OK:
                return self._assemble(valid, vals, data)
        return None  # (not reached: the second scan has room for what the first one counted)

    def _assemble(
        self, valid: NDArray[np.uint8], vals: NDArray[np.int64], data: NDArray[np.uint8]
    ) -> pa.Table | None:
        if self._count[:, js.DLEN].max(initial=0) > _INT32_MAX:
            return None  # over a string column's offsets
        if self._count[:, js.SLOTS].max(initial=0) > _INT32_MAX:
            return None
        columns = [self._array(k, valid, vals, data) for k in self._nodes[0].kids]
        return pa.Table.from_arrays(columns, schema=self.schema)

    def _array(
        self, m: int, valid: NDArray[np.uint8], vals: NDArray[np.int64], data: NDArray[np.uint8]
    ) -> pa.Array:
        node = self._nodes[m]
        n = int(self._count[m, js.SLOTS])
        nulls = int(self._count[m, js.NULLS])
        base = int(self._table[m, js.VBASE])
        bits = None
        if nulls:
            bits = pa.py_buffer(np.packbits(valid[base : base + n], bitorder="little"))
        kind = node.kind
        if kind == js.STR or kind == js.LIST:
            offsets = np.empty(n + 1, dtype=np.int32)
            offsets[0] = 0
            offsets[1:] = vals[base : base + n]
            if kind == js.LIST:
                child = self._array(node.kids[0], valid, vals, data)
                return pa.Array.from_buffers(
                    node.type, n, [bits, pa.py_buffer(offsets)], nulls, children=[child]
                )
            d0 = int(self._table[m, js.DBASE])
            text = data[d0 : d0 + int(self._count[m, js.DLEN])]
            return pa.Array.from_buffers(
                node.type, n, [bits, pa.py_buffer(offsets), pa.py_buffer(text)], nulls
            )
        if kind == js.INT:
            return pa.Array.from_buffers(
                node.type, n, [bits, pa.py_buffer(vals[base : base + n])], nulls
            )
        if kind == js.BOOL:
            flags = np.packbits(vals[base : base + n] != 0, bitorder="little")
            return pa.Array.from_buffers(node.type, n, [bits, pa.py_buffer(flags)], nulls)
        children = [self._array(k, valid, vals, data) for k in node.kids]
        return pa.Array.from_buffers(node.type, n, [bits], nulls, children=children)


def scan_reader(schema: pa.Schema) -> ScanReader | None:
    """The compiled reader for ``schema``, ``None`` when a type is not one it reads (a text,
    a whole number, a boolean, an object or a list of those)."""
    nodes = [_Node(js.OBJ, pa.struct(list(schema)), b"")]

    def add(t: pa.DataType, key: bytes) -> int | None:
        kind = _kind(t)
        if kind is None:
            return None
        m = len(nodes)
        node = _Node(kind, t, key)
        nodes.append(node)
        fields: list[Any] = []
        if kind == js.OBJ:
            fields = [t.field(i) for i in range(t.num_fields)]
            if len({f.name for f in fields}) != len(fields):
                return None  # an object naming a key twice: Arrow decides
        elif kind == js.LIST:
            fields = [t.value_field]
        for f in fields:
            k = add(f.type, f.name.encode() if kind == js.OBJ else b"")
            if k is None:
                return None
            node.kids.append(k)
        return m

    for f in schema:
        k = add(f.type, f.name.encode())
        if k is None:
            return None
        nodes[0].kids.append(k)
    if len({f.name for f in schema}) != len(schema):
        return None  # a schema naming a key twice: Arrow decides
    for node in nodes:
        if node.kind == js.OBJ:
            node.desc = _nulled(nodes, node)
    return ScanReader(schema, nodes)


def _nulled(nodes: list[_Node], node: _Node) -> list[int]:
    """The descendants a null object makes null: its children and, through objects, theirs
    (a null list has no elements, so nothing under a list)."""
    out: list[int] = []
    for k in node.kids:
        out.append(k)
        if nodes[k].kind == js.OBJ:
            out.extend(_nulled(nodes, nodes[k]))
    return out
