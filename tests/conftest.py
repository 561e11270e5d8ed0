"""Test-session setup: Keras on JAX unless the environment says otherwise (tox sets other backends)."""

import os

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
