"""SHA-256 of every text of an Arrow column in one compiled pass (FIPS 180-4).

The content-hash event ids need one digest a row; ``hashlib`` costs a Python call (and a
slice) a row, which was the largest part of importing a log without event ids. This pass
reads the column's bytes where they lie and writes the first 16 bytes of each digest. The
tests hold it equal to ``hashlib.sha256`` text by text.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint64,
)  # fmt: skip
_H0 = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
     0x5BE0CD19],
    dtype=np.uint64,
)  # fmt: skip


_M = np.uint64(0xFFFFFFFF)  # the words are kept in 64 bits and cut to 32 after each step


@_jit
def _rotr(x: Any, n: int) -> Any:  # pragma: no cover  (compiled)
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & _M


@_jit
def _compress(h: Any, block: Any, w: Any, k: Any) -> None:  # pragma: no cover  (compiled)
    for t in range(16):
        j = 4 * t
        w[t] = (
            (np.uint64(block[j]) << np.uint64(24))
            | (np.uint64(block[j + 1]) << np.uint64(16))
            | (np.uint64(block[j + 2]) << np.uint64(8))
            | np.uint64(block[j + 3])
        )
    for t in range(16, 64):
        x, y = w[t - 15], w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & _M
    a, b, c, d, e, f, g, hh = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((e ^ _M) & g)
        t1 = (hh + s1 + ch + k[t] + w[t]) & _M
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = (s0 + maj) & _M
        hh, g, f, e, d, c, b, a = g, f, e, (d + t1) & _M, c, b, a, (t1 + t2) & _M
    h[0] = (h[0] + a) & _M
    h[1] = (h[1] + b) & _M
    h[2] = (h[2] + c) & _M
    h[3] = (h[3] + d) & _M
    h[4] = (h[4] + e) & _M
    h[5] = (h[5] + f) & _M
    h[6] = (h[6] + g) & _M
    h[7] = (h[7] + hh) & _M


@_jit
def _digests(offsets: Any, data: Any, out: Any, k: Any, h0: Any) -> None:  # pragma: no cover
    h = np.empty(8, dtype=np.uint64)
    w = np.empty(64, dtype=np.uint64)
    tail = np.zeros(128, dtype=np.uint8)
    for i in range(offsets.size - 1):
        lo, hi = offsets[i], offsets[i + 1]
        n = hi - lo
        for j in range(8):
            h[j] = h0[j]
        full = n // 64
        for blk in range(full):
            _compress(h, data[lo + 64 * blk : lo + 64 * blk + 64], w, k)
        rest = n - 64 * full
        for j in range(128):
            tail[j] = 0
        for j in range(rest):
            tail[j] = data[lo + 64 * full + j]
        tail[rest] = 0x80
        size = 64 if rest < 56 else 128
        bits = np.uint64(n) * np.uint64(8)
        for j in range(8):
            tail[size - 1 - j] = np.uint8((bits >> np.uint64(8 * j)) & np.uint64(0xFF))
        _compress(h, tail[0:64], w, k)
        if size == 128:
            _compress(h, tail[64:128], w, k)
        for j in range(4):  # the first 16 bytes, big-endian
            v = h[j]
            out[i, 4 * j] = np.uint8((v >> np.uint64(24)) & np.uint64(0xFF))
            out[i, 4 * j + 1] = np.uint8((v >> np.uint64(16)) & np.uint64(0xFF))
            out[i, 4 * j + 2] = np.uint8((v >> np.uint64(8)) & np.uint64(0xFF))
            out[i, 4 * j + 3] = np.uint8(v & np.uint64(0xFF))


def sha256_prefixes(offsets: NDArray[np.int32], data: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The first 16 bytes of the SHA-256 of each text ``data[offsets[i]:offsets[i+1]]``."""
    out = np.empty((max(offsets.size - 1, 0), 16), dtype=np.uint8)
    if out.shape[0]:
        _digests(offsets.astype(np.int64), data, out, _K, _H0)
    return out
