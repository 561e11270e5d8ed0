"""Vitis HLS driver: run csim / synth / cosim / export / vsynth on an hls4ml project and parse the reports."""

from __future__ import annotations

from ..process import KILL_GRACE
from .driver import (
    BUILD_STEPS,
    STEP_TITLES,
    BuildResult,
    Progress,
    StepResult,
    build,
    find_vitis_hls,
)

__all__ = [
    'KILL_GRACE',
    'BUILD_STEPS',
    'STEP_TITLES',
    'BuildResult',
    'Progress',
    'StepResult',
    'build',
    'find_vitis_hls',
]
