"""Conversion options in force for a whole conversion, read where they matter (handlers, layers).

``hgq_hls4ml.convert(..., max_table_bits=bits)`` sets them for its own call; around hls4ml's own call,
``with hgq_hls4ml.table_limit(bits):`` does the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: Default largest input width a table is built for (2**16 entries per table); see :func:`table_limit`.
MAX_TABLE_BITS = 16
_TABLE_BITS: ContextVar[int] = ContextVar('hgq_max_table_bits', default=MAX_TABLE_BITS)


def max_table_bits() -> int:
    """The largest table input width in force: :data:`MAX_TABLE_BITS`, or the one :func:`table_limit` set."""
    return _TABLE_BITS.get()


@contextmanager
def table_limit(bits: int) -> Iterator[None]:
    """Convert with tables of up to ``2**bits`` entries inside this block (``hgq_hls4ml.convert(...,
    max_table_bits=bits)`` does this for its own call)."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0:
        raise ValueError(f'max_table_bits must be a non-negative integer; got {bits!r}')
    token = _TABLE_BITS.set(bits)
    try:
        yield
    finally:
        _TABLE_BITS.reset(token)
