"""Vitis HLS driver: run csim / synth / cosim / export / vsynth on an hls4ml project and parse the reports."""

from __future__ import annotations

from .driver import (
    BUILD_STEPS,
    KILL_GRACE,
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
