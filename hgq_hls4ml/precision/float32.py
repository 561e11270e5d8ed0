"""Keras's float32 averages, as exact functions of fixed-point window sums.

Every average in an HGQ2 model is a window sum ``s`` of fixed-point values divided by an element count ``c``.
Keras computes it in float32, and how depends on its backend (measured by ``compat/keras_average.py``, table in
``docs/averages.md``): JAX (XLA) multiplies by the rounded reciprocal, ``fl32(s * fl32(1 / c))``; TensorFlow and
PyTorch divide, ``fl32(s / c)``. Both are exact functions of ``s`` when float32 holds ``s`` and every partial sum
exactly (:func:`sum_is_exact`), as the summation order then does not matter.
"""

from __future__ import annotations

import numpy as np

#: How each Keras backend computes a float32 average: ``'reciprocal'`` or ``'division'``.
AVERAGE_ARITHMETIC: dict[str, str] = {'jax': 'reciprocal', 'tensorflow': 'division', 'torch': 'division'}

#: Significant bits of a float32 (with the implicit one).
SIGNIFICAND_BITS = 24


def average_arithmetic(backend: str) -> str:
    """The average arithmetic of a Keras backend (``'reciprocal'`` or ``'division'``)."""
    if backend not in AVERAGE_ARITHMETIC:
        raise ValueError(
            f'Keras backend {backend!r}: its float32 average arithmetic is not known '
            f'(known: {", ".join(AVERAGE_ARITHMETIC)})'
        )
    return AVERAGE_ARITHMETIC[backend]


def reciprocal(c: int) -> float:
    """``fl32(1 / c)``, exactly (as a float64)."""
    return float(np.float32(1) / np.float32(c))


def keras_mean(s: np.ndarray, c: np.ndarray, arithmetic: str) -> np.ndarray:
    """Keras's float32 average of window sums ``s`` (float32-exact values) over ``c`` elements, exactly, as float64."""
    s32, c32 = np.asarray(s, dtype=np.float32), np.asarray(c, dtype=np.float32)
    if arithmetic == 'reciprocal':
        # s * fl32(1/c) has at most 48 significant bits: exact in float64, then rounded once to float32
        exact = s32.astype(np.float64) * (np.float32(1) / c32).astype(np.float64)
        return exact.astype(np.float32).astype(np.float64)
    if arithmetic == 'division':
        return (s32 / c32).astype(np.float64)  # IEEE division: correctly rounded
    raise ValueError(f'unknown average arithmetic {arithmetic!r}')


def mean_frac_bits(f_sum: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Fractional bits that hold every float32 average of sums on the ``2**-f_sum`` grid over ``c`` (not a power of
    two) elements: the least non-zero ``|s / c|`` is at least ``2**-(f_sum + ceil(log2 c))``, and a float32 keeps 24
    significant bits below its leading one."""
    return np.asarray(f_sum) + np.ceil(np.log2(c)).astype(np.int64) + SIGNIFICAND_BITS - 1


def sum_is_exact(bound: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Whether float32 sums every partial sum of a window exactly: ``bound`` is the sum of the window's largest
    magnitudes and ``f`` the finest grid of its elements (every partial sum is on ``2**-f`` and at most ``bound``)."""
    return np.asarray(bound) * 2.0 ** np.asarray(f) < 2.0**SIGNIFICAND_BITS
