"""Train a small HGQ2 MLP on scikit-learn's digits with a rising beta (HGQ2's BetaScheduler) and HGQ2's ParetoFront
callback, then sweep checkpoints of the front over 2 io types x 2 reuse factors on a local Dask cluster: print the
table, write the figures. Exit status 0 only if every job is BIT-EXACT. Needs pip install -e '.[examples]'."""

import os
import shutil
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
from common import digits  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QDense  # noqa: E402
from hgq.utils.sugar import BetaScheduler, FreeEBOPs, ParetoFront, PieceWiseSchedule  # noqa: E402

import hgq_hls4ml  # noqa: E402
from hgq_hls4ml.sweep import checkpoint_metrics  # noqa: E402

HERE = Path(__file__).parent
EPOCHS = 16
#: Checkpoints of the front to sweep (evenly spread along it), to keep the example a few minutes on 2 cores.
SWEPT = 3
CONFIGS = {'io_type': ['io_parallel', 'io_stream'], 'hls_config': {'Model': {'ReuseFactor': [1, 4]}}}


def build() -> keras.Model:
    with QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'):
        inp = keras.Input((64,))
        x = QDense(12, activation='relu', beta0=1e-6)(inp)
        out = QDense(10, beta0=1e-6)(x)
    return keras.Model(inp, out, name='digits_mlp')


def train(front_dir: Path) -> tuple[list[Path], object]:
    """Train with beta rising from 1e-6 to 1e-3 (log scale); ParetoFront keeps the accuracy-EBOPs front."""
    (x_train, y_train), (x_test, y_test) = digits()
    x_train, x_test = x_train.reshape(-1, 64), x_test.reshape(-1, 64)
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=['accuracy'],
    )
    callbacks = [
        BetaScheduler(PieceWiseSchedule([(0, 1e-6, 'log'), (EPOCHS, 1e-3, 'constant')])),
        FreeEBOPs(),
        ParetoFront(front_dir, ['val_accuracy', 'ebops'], [1, -1], enable_if=lambda logs: logs['epoch'] >= 3),
    ]
    model.fit(
        x_train, y_train, validation_data=(x_test, y_test), epochs=EPOCHS, batch_size=32, verbose=0, callbacks=callbacks
    )
    front = sorted(front_dir.glob('*.keras'), key=lambda p: checkpoint_metrics(p.name)['epoch'])
    step = max(1, len(front) // SWEPT)
    return front[::step][:SWEPT], x_test


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    front_dir = HERE / 'build' / 'front'
    shutil.rmtree(HERE / 'build', ignore_errors=True)
    checkpoints, x_test = train(front_dir)
    print(f'{len(list(front_dir.glob("*.keras")))} checkpoints on the front; sweeping {len(checkpoints)}')
    result = hgq_hls4ml.sweep(checkpoints, CONFIGS, x=x_test, output=HERE / 'build' / 'results', plot=True)
    print(result)
    print('results and figures:', *result.files, sep='\n  ')
    sys.exit(0 if result.all_exact else 1)
