"""The optional packages of the sweep (``[sweep]`` extra) and its plots (``[plot]``): one clear error without them."""

from __future__ import annotations

import importlib
from types import ModuleType

#: Importable module -> the extra that installs it.
EXTRA_OF = {
    'distributed': 'sweep',
    'dask_jobqueue': 'sweep',
    'pandas': 'sweep',
    'pyarrow': 'sweep',
    'matplotlib': 'plot',
}


def require(module: str, what: str = 'hgq_hls4ml.sweep') -> ModuleType:
    """Import ``module``, or raise an ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRA_OF[module.partition('.')[0]]
        raise ImportError(
            f"{what} needs the Python package {module.partition('.')[0]!r}: pip install 'hgq-hls4ml[{extra}]'"
        ) from exc
