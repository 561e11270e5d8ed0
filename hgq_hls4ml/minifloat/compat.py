"""Make HGQ2's float quantizers buildable on HGQ2 versions whose default configs break them (0.2.0 and its main
branch as of this writing).

HGQ2's float defaults carry an ``is_weight`` key that ``QuantizerConfig.get_quantizer`` passes on to
``FloatPointQuantizer``, which hands it to Keras's ``Layer`` (``Unrecognized keyword arguments``), and the float bias
default sets both ``homogeneous_axis`` and ``heterogeneous_axis`` (an assertion when the quantizer builds).
:func:`enable_minifloat` fixes both in the *data* of ``hgq.quantizer.config.default_configs``; HGQ2's code is left
alone. It is never applied at import: a user calls it once, before building or loading a float model.
"""

from __future__ import annotations


def _float_quantizer_rejects(key: str) -> bool:
    """Whether the installed ``FloatPointQuantizer`` refuses the constructor keyword ``key`` (a behaviour test)."""
    from hgq.quantizer.internal import FloatPointQuantizer

    try:
        FloatPointQuantizer(2, 4, **{key: False})
    except (TypeError, ValueError):
        return True
    return False


def enable_minifloat() -> list[str]:
    """Fix HGQ2's float default configs so float quantizers build, train, save and reload.

    Changes only what the installed HGQ2 still needs (detected from its data and behaviour, not its version) and
    returns one line per change; an empty list means HGQ2 needed nothing. Calling it again changes nothing.
    """
    from hgq.quantizer.config import default_configs

    changes: list[str] = []
    drop_is_weight = _float_quantizer_rejects('is_weight')
    for (q_type, place), config in default_configs.items():
        if q_type != 'float':
            continue
        if drop_is_weight and 'is_weight' in config:
            del config['is_weight']
            changes.append(f"('float', {place!r}): dropped 'is_weight', which FloatPointQuantizer does not accept")
        if config.get('homogeneous_axis') is not None and config.get('heterogeneous_axis') is not None:
            config['heterogeneous_axis'] = None
            changes.append(
                f"('float', {place!r}): heterogeneous_axis set to None (both axis settings were given, which the "
                'quantizer refuses when it builds)'
            )
    return changes
