"""``hgq-hls4ml sweep SPEC.yml``: its options and what it runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..cli.exit_codes import ExitCode


def add_arguments(parser: argparse.ArgumentParser, count: Callable[[str], int]) -> None:
    """The options of ``sweep`` (each overrides its key in the spec); ``count`` parses a whole number >= 1."""
    parser.add_argument('spec', metavar='SPEC.yml', help='sweep spec: models, data, configs (see docs/sweep.md)')
    parser.add_argument('-o', '--output', metavar='DIR', help="results folder (default: the spec's output:)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--scheduler', metavar='URL', help='an existing Dask scheduler, e.g. tcp://host:8786')
    where.add_argument('--workers', type=count, metavar='N', help='local cluster of N worker processes')
    parser.add_argument('--synth', action='store_true', default=None, help='Vitis HLS C synthesis of every job too')
    parser.add_argument('--vitis-path', metavar='PATH', help='vitis_hls executable or installation directory')
    parser.add_argument('--plot', action='store_true', default=None, help='draw the figures into DIR/plots')


def run_sweep(args: argparse.Namespace) -> ExitCode:
    from .run import sweep
    from .spec import load_spec

    kwargs = load_spec(args.spec)
    overrides = {
        'output': Path(args.output) if args.output else None,
        'scheduler': args.scheduler,
        'workers': args.workers,
        'synth': args.synth,
        'vitis_path': args.vitis_path,
        'plot': args.plot,
    }
    kwargs.update({key: value for key, value in overrides.items() if value is not None})
    if args.scheduler:
        kwargs.pop('cluster', None)
    result = sweep(**kwargs)
    print(result.summary())
    print(f'results: {result.folder}')
    for path in result.files:
        print(f'  {path}')
    return ExitCode.OK if result.all_exact else ExitCode.FAILED
