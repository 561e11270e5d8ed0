"""Which float operations Keras performs for each average, on the active backend (``KERAS_BACKEND``).

Every average in an HGQ2 model is a window sum of fixed-point values divided by an element count ``c``. For sums
that float32 holds exactly (at most 24 significant bits, so the summation order does not matter), the two candidate
results are ``fl32(s / c)`` (a correctly rounded division) and ``fl32(s * fl32(1 / c))`` (a multiplication by the
rounded reciprocal). This script feeds random exact sums through Keras's pooling layers, once through
``model.predict`` (compiled) and once eagerly (``model(x)``), and counts which candidate each output equals::

    KERAS_BACKEND=jax python compat/keras_average.py
    KERAS_BACKEND=tensorflow python compat/keras_average.py --json tf.json

It prints one row per (layer, count, path): elements, equal to division, equal to reciprocal, equal to neither.
Counts where the two candidates coincide on every sample are not informative and are reported as such.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

os.environ.setdefault('KERAS_BACKEND', 'jax')
import keras  # noqa: E402

#: (name, input shape without batch, layer factory)
CASES = [
    ('AveragePooling1D(3, valid)', (12, 4), lambda: keras.layers.AveragePooling1D(3)),
    ('AveragePooling1D(4, 3, same)', (13, 4), lambda: keras.layers.AveragePooling1D(4, 3, padding='same')),
    ('AveragePooling2D((3, 3), valid)', (9, 9, 4), lambda: keras.layers.AveragePooling2D((3, 3))),
    ('AveragePooling2D((3, 3), 1, same)', (6, 7, 4), lambda: keras.layers.AveragePooling2D((3, 3), 1, padding='same')),
    ('AveragePooling3D((3, 1, 1), valid)', (6, 2, 2, 4), lambda: keras.layers.AveragePooling3D((3, 1, 1))),
    ('GlobalAveragePooling1D (30)', (30, 4), lambda: keras.layers.GlobalAveragePooling1D()),
    ('GlobalAveragePooling1D (7)', (7, 4), lambda: keras.layers.GlobalAveragePooling1D()),
    ('GlobalAveragePooling2D (5x6)', (5, 6, 4), lambda: keras.layers.GlobalAveragePooling2D()),
    ('GlobalAveragePooling3D (3x3x3)', (3, 3, 3, 4), lambda: keras.layers.GlobalAveragePooling3D()),
]


def window_sums_counts(layer: keras.Layer, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact window sums and element counts, by running the layer on float64 numpy inputs of indicator form."""
    # Sums: the same Keras layer on a float64 copy is not available on every backend, so compute with numpy from
    # the layer's own index arithmetic: pool each input position's one-hot contribution through the layer in float32
    # (one-hots are exact) and use the resulting weights (1/c per tap) to recover taps and counts.
    n = int(np.prod(x.shape[1:]))
    eye = np.eye(n, dtype=np.float32).reshape(n, *x.shape[1:])
    taps = np.asarray(keras.ops.convert_to_numpy(layer(eye))).reshape(n, -1)  # (input element, output element)
    mask = taps != 0
    counts = mask.sum(axis=0)
    sums = x.reshape(len(x), -1).astype(np.float64) @ mask.astype(np.float64)
    return sums, counts


def measure(samples: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for name, shape, make in CASES:
        layer = make()
        inp = keras.Input(shape)
        model = keras.Model(inp, layer(inp))
        x = (rng.integers(-(2**10), 2**10, size=(samples, *shape)) * 2.0**-7).astype(np.float32)
        sums, counts = window_sums_counts(layer, x)
        assert np.all(np.abs(sums) * 2**7 < 2**24), 'sums must be float32-exact'
        c32 = counts.astype(np.float32)
        division = (sums.astype(np.float32) / c32).astype(np.float32)
        reciprocal = (sums.astype(np.float32) * (np.float32(1) / c32)).astype(np.float32)
        for path, y in (
            ('predict', model.predict(x, verbose=0, batch_size=256)),
            ('eager', keras.ops.convert_to_numpy(model(x))),
        ):
            y = np.asarray(y, dtype=np.float32).reshape(len(x), -1)
            for c in np.unique(counts):
                sel = counts == c
                yd, dv, rc = y[:, sel], division[:, sel], reciprocal[:, sel]
                informative = int((dv != rc).sum())
                rows.append(
                    {
                        'backend': keras.backend.backend(),
                        'layer': name,
                        'count': int(c),
                        'path': path,
                        'elements': int(yd.size),
                        'informative': informative,
                        'division': int(((yd == dv) & (dv != rc)).sum()),
                        'reciprocal': int(((yd == rc) & (dv != rc)).sum()),
                        'neither': int(((yd != dv) & (yd != rc)).sum()),
                    }
                )
    return rows


def verdict(row: dict) -> str:
    if row['neither']:
        return 'other'
    if row['count'] & (row['count'] - 1) == 0 or not row['informative']:
        return 'exact (power of two)' if row['count'] & (row['count'] - 1) == 0 else 'not informative'
    if row['division'] == row['informative']:
        return 'division'
    if row['reciprocal'] == row['informative']:
        return 'reciprocal'
    return 'mixed'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--samples', type=int, default=512)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='write the rows here')
    args = parser.parse_args()
    rows = measure(args.samples, args.seed)
    print(f'{"backend":<10} {"layer":<36} {"count":>5} {"path":<8} {"elements":>8} {"informative":>11}  verdict')
    for r in rows:
        print(
            f'{r["backend"]:<10} {r["layer"]:<36} {r["count"]:>5} {r["path"]:<8} {r["elements"]:>8} '
            f'{r["informative"]:>11}  {verdict(r)}'
        )
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(rows, fh, indent=1)


if __name__ == '__main__':
    main()
