"""One benchmark measurement in a process of its own: convert, compile, compare and cost one saved model.

Usage: ``python benchmarks/measure.py MODEL.keras INPUTS.npy OUTPUT_DIR RESULT.json IO_TYPE``. The conversion is the
ordinary hls4ml call, so ``HGQ_HLS4ML_DISABLE=1`` in the environment measures upstream hls4ml instead of the
plugin. The peak memory is this process's own (``ru_maxrss``), so every measurement is independent; the compiler's
is the largest process ``compile()`` ran (``RUSAGE_CHILDREN``: g++ and its ``cc1plus``).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

os.environ.setdefault('KERAS_BACKEND', 'jax')


def measure(model_path: str, inputs_path: str, output_dir: str, io_type: str) -> dict:
    import hgq  # noqa: F401  # registers HGQ2's classes for loading
    import hls4ml
    import keras
    import numpy as np

    import hgq_hls4ml

    model = keras.models.load_model(model_path)
    x = np.load(inputs_path)
    ref = np.asarray(model.predict(x, verbose=0))
    t0 = time.perf_counter()
    config = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
    hls_model = hls4ml.converters.convert_from_keras_model(
        model, hls_config=config, backend='Vitis', output_dir=output_dir, io_type=io_type
    )
    t1 = time.perf_counter()
    hls_model.compile()
    t2 = time.perf_counter()
    equal = np.asarray(hls_model.predict(x.astype(np.float64))).reshape(ref.shape) == ref
    return {
        'plugin_active': hgq_hls4ml.plugin_status().active,
        'convert_s': t1 - t0,
        'compile_s': t2 - t1,
        'compile_peak_mb': round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        'bit_exact': bool(equal.all()),
        'exact_fraction': float(equal.mean()),
        'cost': hgq_hls4ml.cost(hls_model, model).to_dict(),
    }


def main(argv: list[str]) -> None:
    model_path, inputs_path, output_dir, result_path, io_type = argv
    result = measure(model_path, inputs_path, output_dir, io_type)
    result['peak_mb'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
    with open(result_path, 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main(sys.argv[1:])
