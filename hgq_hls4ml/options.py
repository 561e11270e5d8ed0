"""Conversion options in force for a whole conversion, read where they matter (handlers, layers).

``hgq_hls4ml.convert(..., max_table_bits=bits)`` sets them for its own call; around hls4ml's own call,
``with hgq_hls4ml.table_limit(bits):`` does the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The strategies a layer can be built with, as hls4ml spells them (it reads them case-insensitively).
STRATEGIES = ('Latency', 'Resource', 'distributed_arithmetic')
#: hls4ml's names of distributed arithmetic (``Strategy: distributed_arithmetic`` or ``da``).
DA_NAMES = ('distributed_arithmetic', 'da')


def strategy_problem(value: object) -> str | None:
    """What is wrong with a ``Strategy`` value (one of :data:`STRATEGIES` or ``da``, any case), or ``None``."""
    if isinstance(value, str) and value.lower() in {s.lower() for s in (*STRATEGIES, *DA_NAMES)}:
        return None
    return f'must be one of {", ".join(STRATEGIES)} (any case; da for short); got {value!r}'


#: Default largest input width a table is built for (2**16 entries per table); see :func:`table_limit`.
MAX_TABLE_BITS = 16
_TABLE_BITS: ContextVar[int] = ContextVar('hgq_max_table_bits', default=MAX_TABLE_BITS)
_CLI_SPELLING: ContextVar[bool] = ContextVar('hgq_cli_spelling', default=False)


def spelled(python: str, cli: str) -> str:
    """An option as the user gave it: ``cli`` (``--until head``) inside :func:`cli_spelling`, else ``python``
    (``until='head'``)."""
    return cli if _CLI_SPELLING.get() else python


@contextmanager
def cli_spelling() -> Iterator[None]:
    """Messages name options as the command line spells them (``hgq-hls4ml`` runs its commands inside this)."""
    token = _CLI_SPELLING.set(True)
    try:
        yield
    finally:
        _CLI_SPELLING.reset(token)


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
