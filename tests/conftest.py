"""Test-session setup: Keras on JAX unless the environment says otherwise (tox sets other backends)."""

import os

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
