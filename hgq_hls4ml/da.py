"""Distributed arithmetic: the adder graph of a constant matrix-vector product, from the package hls4ml builds its
``Strategy: distributed_arithmetic`` kernels with: da4ml (hls4ml 1.3) or its successor alkaid (hls4ml's main
branch). ``pip install 'hgq-hls4ml[da]'`` installs both; whichever the installed hls4ml names in its own ``da``
extra is used first, so that the graph is the one in the firmware.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, requires
from typing import Any

import numpy as np

from .errors import ToolNotFoundError
from .options import DA_NAMES

#: The distributed-arithmetic packages, newest first, with their tracing entry points (array class, tracer).
PACKAGES: dict[str, tuple[str, str]] = {
    'alkaid': ('FVArray', 'trace'),
    'da4ml': ('FixedVariableArray', 'comb_trace'),
}
#: Node attribute keeping ``(kernel, bias)`` (Keras layout) of a distributed-arithmetic node: hls4ml's DA templates
#: delete its ``weight``/``bias`` attributes, which the range analysis and the cost report read.
DA_CONSTANTS = 'hgq_da_constants'
#: Adder graph operation codes that are adders: addition, subtraction, addition of a constant (both packages).
ADDER_OPCODES = (0, 1, 4)


def is_da(node: Any) -> bool:
    """Whether hls4ml builds ``node`` with distributed arithmetic."""
    return str(node.get_attr('strategy') or '').lower() in DA_NAMES


def input_kif(node: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signedness, integer bits (sign excluded) and fractional bits of ``node``'s input type, for ``n`` kernel rows:
    what hls4ml's DA generator feeds the kernel with."""
    p = node.get_input_variable().type.precision
    k, integer, width = int(p.signed), int(p.integer), int(p.width)
    return np.full(n, k), np.full(n, integer - k), np.full(n, width - integer)


def hls4ml_da_package() -> str | None:
    """The package the installed hls4ml's ``da`` extra requires (``None`` if it names neither)."""
    try:
        reqs = requires('hls4ml') or []
    except PackageNotFoundError:
        return None
    for req in reqs:
        if re.search(r'extra\s*==\s*"da"', req):
            name = re.match(r'[A-Za-z0-9_.-]+', req)
            if name and name.group(0) in PACKAGES:
                return name.group(0)
    return None


def da_package() -> str:
    """The distributed-arithmetic package to trace with: hls4ml's own choice if installed, else any installed one."""
    preferred = hls4ml_da_package()
    order = [preferred, *PACKAGES] if preferred else list(PACKAGES)
    for name in order:
        try:
            importlib.import_module(f'{name}.trace')
        except ImportError:
            continue
        return name
    raise ToolNotFoundError("distributed arithmetic needs alkaid or da4ml: pip install 'hgq-hls4ml[da]'")


@dataclass(frozen=True)
class AdderGraph:
    """The adder graph of ``x @ kernel + bias``: ``adders`` (additions and subtractions), ``depth`` (adder levels on
    the longest path), ``cost`` (the package's LUT estimate), ``package`` (which traced it) and ``logic`` (its
    combinational-logic object, callable on inputs)."""

    adders: int
    depth: int
    cost: float
    package: str
    logic: Any


def adder_graph(kernel: np.ndarray, bias: np.ndarray | None, k: np.ndarray, i: np.ndarray, f: np.ndarray) -> AdderGraph:
    """Trace ``x @ kernel + bias`` for inputs ``x`` of signedness ``k``, integer bits ``i`` (sign excluded) and
    fractional bits ``f`` per kernel row, with the solver options hls4ml uses (``DA_HARD_DC``, default 2)."""
    package = da_package()
    trace = importlib.import_module(f'{package}.trace')
    array_name, tracer_name = PACKAGES[package]
    options = {'hard_dc': int(os.environ.get('DA_HARD_DC', 2)), 'search_all_decompose_dc': True}
    kernel = np.asarray(kernel, dtype=np.float64)
    x = getattr(trace, array_name).from_kif(k, i, f, trace.HWConfig(1, -1, -1), solver_options=options)
    out = x @ kernel
    if bias is not None:
        out = out + np.ravel(np.asarray(bias, dtype=np.float64))
    logic = getattr(trace, tracer_name)(x, out)
    adders = sum(op.opcode in ADDER_OPCODES for op in logic.ops)
    return AdderGraph(int(adders), int(np.ceil(logic.latency[1])), float(logic.cost), package, logic)
