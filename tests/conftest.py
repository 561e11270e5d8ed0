"""Test-session setup: Keras on JAX unless the environment says otherwise (tox sets other backends), and a
C-simulation build cache of this test run's own, removed at exit (no library from an earlier run, nothing left in
``~/.cache``)."""

import atexit
import os
import shutil
import tempfile

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
os.environ.setdefault('JAX_PLATFORMS', 'cpu')

if 'HGQ_HLS4ML_CACHE_DIR' not in os.environ:
    os.environ['HGQ_HLS4ML_CACHE_DIR'] = tempfile.mkdtemp(prefix='hgq_hls4ml_test_cache_')
    atexit.register(shutil.rmtree, os.environ['HGQ_HLS4ML_CACHE_DIR'], True)
