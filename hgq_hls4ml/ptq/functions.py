"""A Keras activation function with fixed keyword arguments, as a table layer's serializable function.

``QUnaryFunctionLUT`` saves its function by name; a ``LeakyReLU(negative_slope=0.1)`` or ``ELU(alpha=0.5)`` has
arguments a name cannot carry. :class:`Elementwise` carries them and is registered with Keras (``hgq_hls4ml``
registers it on import), so a quantized model saved to ``.keras`` loads again.
"""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package='hgq_hls4ml')
class Elementwise:
    """``keras.activations.<function>(x, **kwargs)``."""

    def __init__(self, function: str, kwargs: dict[str, Any] | None = None):
        self.function = function
        self.kwargs = dict(kwargs or {})
        self.__name__ = function

    def __call__(self, x: Any) -> Any:
        return keras.activations.get(self.function)(x, **self.kwargs)

    def get_config(self) -> dict[str, Any]:
        return {'function': self.function, 'kwargs': self.kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Elementwise:
        return cls(**config)
