"""A QDense model whose every constant and bit-width is set by hand, so its costs can be computed on paper."""

from __future__ import annotations

import keras
import numpy as np
from hgq.config import QuantizerConfigScope
from hgq.layers import QDense

#: Input quantizer (k, i, f) per element: widths 4, 4, 2 and 0 (the last input is a constant zero).
INPUT_KIF = ([1, 1, 1, 0], [1, 2, 1, 0], [2, 1, 0, 0])
#: Kernel before quantization; the 0.3 gets a zero-bit quantizer, so the firmware weight is 0.
KERNEL = np.array([[0.5, -0.75], [0.3, 3.0], [1.25, 0.0], [0.5, 0.5]])
#: Firmware kernel: KERNEL with the zero-bit weight quantized to 0.
QKERNEL = np.where(KERNEL == 0.3, 0.0, KERNEL)
BIAS = np.array([0.0, 0.25])


def tiny_model() -> keras.Model:
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
        QuantizerConfigScope(place=('weight', 'bias'), default_q_type='kbi'),
    ):
        inp = keras.Input((4,), name='x')
        model = keras.Model(inp, QDense(2, name='dense')(inp), name='tiny')
    values = {
        ('dense', 'kernel'): KERNEL,
        ('dense', 'bias'): BIAS,
        **{('dense_iq', leaf): v for leaf, v in zip('kif', INPUT_KIF)},
        ('dense_kq', 'b'): np.where(KERNEL == 0.3, 0, 8),
        ('dense_kq', 'i'): np.full(KERNEL.shape, 2),
        ('dense_bq', 'b'): np.full(2, 8),
    }
    for w in model.weights:
        parts = w.path.split('/')
        value = values.get((parts[1] if len(parts) > 2 else parts[0], parts[-1]))
        if value is not None:
            w.assign(np.reshape(value, w.shape).astype(w.dtype))
    return model
