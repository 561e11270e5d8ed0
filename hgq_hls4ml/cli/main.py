"""``hgq-hls4ml``: convert, verify, build and report HGQ2 models as hls4ml FPGA projects from the shell."""

from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..options import cli_spelling
from ..process import Terminated, terminate_as_interrupt
from ..ptq.base import MAX_BITS, MIN_BITS
from ..ptq.model import DEFAULT_MARGIN, OVERFLOW_MODES, SUPPORTED
from ..sweep.command import add_arguments as add_sweep_arguments
from ..sweep.command import run_sweep
from ..version import __version__
from ..vitis import BUILD_STEPS, STEP_TITLES
from .commands import (
    DEFAULT_STEP,
    run_build,
    run_check,
    run_config,
    run_convert,
    run_quantize,
    run_report,
    run_verify,
)
from .config import BACKENDS, IO_TYPES
from .exit_codes import ExitCode, exit_code_for, exit_code_table

EPILOG = f"""\
exit codes:
{exit_code_table()}

environment:
  KERAS_BACKEND        Keras backend used to load models (default here: jax)
  HGQ_HLS4ML_DISABLE   1 switches the hgq_hls4ml plugin off (convert then refuses: exit 3)
  HGQ_HLS4ML_CACHE_DIR caches: C-simulation libraries (csim/), JAX compilations (jax/)
                       (default ~/.cache/hgq_hls4ml)
  HGQ_HLS4ML_NO_JAX_CACHE  1 leaves JAX's compilation cache off
  OMP_NUM_THREADS      threads of the C simulation (default: every core)

Run 'hgq-hls4ml COMMAND --help' for the options of each command.
"""


Number = TypeVar('Number', int, float)


def _number(parse: Callable[[str], Number], meaning: str, valid: Callable[[Number], bool]) -> Callable[[str], Number]:
    """An argparse type: ``parse(text)`` if it is finite and ``valid``; else argparse prints
    ``argument --x: expected <meaning>, got '<text>'``."""

    def convert(text: str) -> Number:
        try:
            value = parse(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not valid(value):
            raise argparse.ArgumentTypeError(f'expected {meaning}, got {text!r}')
        return value

    return convert


def _positive(value: float) -> bool:
    return value > 0


def _common() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        '--debug',
        action='store_true',
        default=argparse.SUPPRESS,
        help="show tracebacks of errors and hls4ml's full output",
    )
    parser.add_argument(
        '--quiet',
        action='store_true',
        default=argparse.SUPPRESS,
        help='no progress bars (they show on a terminal only, on stderr)',
    )
    return parser


def _target(with_config: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    title = 'target options (override the --config file)' if with_config else 'target options'
    group = parser.add_argument_group(title)
    if with_config:
        group.add_argument('--config', metavar='CFG.yml', help="YAML config written by 'hgq-hls4ml config'")
    group.add_argument('--io-type', choices=IO_TYPES, help='io_parallel (default) or io_stream')
    group.add_argument('--backend', choices=BACKENDS, help='hls4ml backend (default: Vitis)')
    group.add_argument('--part', help='FPGA part (default: xcvu13p-flga2577-2-e)')
    group.add_argument(
        '--clock',
        type=_number(float, 'a positive number of nanoseconds', _positive),
        metavar='NS',
        help='clock period in ns (default: 5)',
    )
    group.add_argument('--project-name', metavar='NAME', help='top function / HLS project name (default: myproject)')
    if with_config:
        group.add_argument(
            '--input-precision',
            action='append',
            metavar='TYPE',
            help='input port type: the format the detector delivers, e.g. ap_fixed<10,5> (every input), or '
            'NAME=TYPE per input, repeatable (default: the narrowest port exact for every float input)',
        )
    return parser


def _add(
    subparsers: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], ExitCode],
    summary: str,
    parents: Sequence[argparse.ArgumentParser] = (),
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=epilog,
        parents=[_common(), *parents],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


NON_EMPTY = 'write into a non-empty output directory'


def _model_and_output(
    p: argparse.ArgumentParser,
    metavar: str,
    output_help: str,
    force_help: str,
    required: bool = False,
    model_help: str = 'saved HGQ2 Keras model',
) -> None:
    """The MODEL.keras argument, ``-o/--output`` and ``--force``."""
    p.add_argument('model', metavar='MODEL.keras', help=model_help)
    p.add_argument('-o', '--output', required=required, metavar=metavar, help=output_help)
    p.add_argument('--force', action='store_true', help=force_help)


def _seed(p: argparse.ArgumentParser, of: str) -> None:
    p.add_argument(
        '--seed',
        type=_number(int, 'a whole number >= 0', lambda value: value >= 0),
        default=0,
        help=f'seed of {of} (default: 0)',
    )


DATA_HELP = 'inputs: .npy of shape (N, *input_shape), or .npz per input'


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hgq-hls4ml`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog='hgq-hls4ml',
        description='Bit-exact FPGA firmware from HGQ2 Keras models with hls4ml.',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('--version', action='version', version=f'%(prog)s {__version__}')
    parser.add_argument('--debug', action='store_true', help="show tracebacks of errors and hls4ml's full output")
    parser.add_argument('--quiet', action='store_true', help='no progress bars (they show on a terminal only)')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND', required=True)

    p = _add(sub, 'convert', run_convert, 'convert a .keras model to an hls4ml project', [_target()])
    _model_and_output(p, 'DIR', 'project directory to write', NON_EMPTY, required=True)

    p = _add(
        sub,
        'verify',
        run_verify,
        'convert, compile with g++ and check the firmware is bit-exact with Keras',
        [_target()],
        epilog='exit status 0 only if every output element is bit-exact, or differs only where a given '
        '--input-precision changes the float inputs; 1 otherwise.',
    )
    _model_and_output(p, 'DIR', 'keep the project here (default: a temporary directory)', NON_EMPTY)
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument('--data', metavar='X.npy', help=DATA_HELP)
    data.add_argument(
        '--random',
        type=_number(int, 'a positive whole number of samples', _positive),
        metavar='N',
        help='N random inputs, normal with sigma 4 (beyond most ranges)',
    )
    _seed(p, '--random')
    p.add_argument(
        '--threads',
        type=_number(int, 'a positive whole number of threads', _positive),
        metavar='N',
        help='threads of the C simulation (default: OMP_NUM_THREADS, else every core)',
    )

    p = _add(
        sub,
        'build',
        run_build,
        'run Vitis HLS on an hls4ml project (C synthesis by default)',
        epilog='Progress goes to stderr; the step table to stdout. A failed step exits 1, a timeout 5, '
        'a missing vitis_hls 4.',
    )
    p.add_argument('project_dir', metavar='DIR', help='hls4ml project directory (holding build_prj.tcl)')
    steps = p.add_argument_group('steps (any combination; they run in the order listed)')
    for step in BUILD_STEPS:
        default = ' (the default when no step is given)' if step == DEFAULT_STEP else ''
        steps.add_argument(f'--{step}', action='store_true', help=f'{STEP_TITLES[step]}{default}')
    p.add_argument(
        '--timeout',
        type=_number(float, 'a positive number of seconds', _positive),
        metavar='SEC',
        help='stop a step after SEC seconds',
    )
    p.add_argument('--vitis-path', metavar='PATH', help='vitis_hls executable or installation directory')

    p = _add(sub, 'report', run_report, 'show the synthesis/co-simulation/utilization reports of a project')
    p.add_argument('project_dir', metavar='DIR', help='hls4ml output, HLS project or solution directory')
    p.add_argument(
        '--top',
        metavar='NAME',
        help='top function whose reports to show (default: the one named by hls.app, hls4ml_config.yml or csynth.xml)',
    )
    p.add_argument('--json', action='store_true', help='print JSON instead of tables')

    p = _add(
        sub,
        'config',
        run_config,
        'write a commented YAML config for a model, to edit and pass to convert/verify --config',
        [_target(with_config=False)],
    )
    _model_and_output(p, 'CFG.yml', 'file to write (default: standard output)', 'overwrite an existing file')

    p = _add(
        sub,
        'quantize',
        run_quantize,
        'post-training quantization: a float Keras model -> an HGQ2 model that convert and verify take',
        epilog=f'{SUPPORTED}. Unsupported layers are all listed (exit 3); --until LAYER leaves the layers after '
        'LAYER and its own activation (a softmax: the model outputs logits) out of the saved model.',
    )
    _model_and_output(
        p,
        'OUT.keras',
        'HGQ2 model to write',
        'overwrite an existing file',
        True,
        'saved float Keras model (.keras; Keras 2: .h5, or .json with --weights)',
    )
    p.add_argument('--samples', metavar='X.npy', help=f'calibration {DATA_HELP} (default: random, with a warning)')
    p.add_argument(
        '--weights', metavar='W.h5', help='weights of a Keras 2 JSON architecture (MODEL.json); a .h5 holds its own'
    )
    bits = _number(int, f'a whole number of bits from {MIN_BITS} to {MAX_BITS}', lambda v: MIN_BITS <= v <= MAX_BITS)
    p.add_argument('--weight-bits', type=bits, default=8, metavar='B', help='width of weights, sign included (8)')
    p.add_argument('--activation-bits', type=bits, default=8, metavar='B', help='width of activations (8)')
    p.add_argument('--per-tensor', action='store_true', help='integer bits per tensor, not per channel')
    p.add_argument(
        '--until', metavar='LAYER', help='last layer to quantize; its activation and the layers after it are left out'
    )
    p.add_argument(
        '--overflow',
        choices=OVERFLOW_MODES,
        default='WRAP',
        help='what activations beyond the calibrated range do: wrap around (cheapest) or saturate (WRAP)',
    )
    p.add_argument(
        '--input-precision',
        metavar='TYPE',
        help="format the inputs arrive in, e.g. 'ap_uint<10>' for integer counts: quantized exactly, not calibrated",
    )
    p.add_argument(
        '--target-agreement',
        type=_number(float, 'a fraction in (0, 1]', lambda v: 0 < v <= 1),
        metavar='A',
        help='search per-layer then per-channel widths for the fewest EBOPs whose argmax agreement with the float '
        'model on held-out samples (1/4 of them) stays >= A, e.g. 0.99',
    )
    p.add_argument(
        '--margin',
        type=_number(int, 'a whole number of integer bits >= 0', lambda v: v >= 0),
        metavar='N',
        help=f'with --overflow SAT: integer bits beyond the calibrated range ({DEFAULT_MARGIN})',
    )
    _seed(p, 'the random calibration inputs drawn without --samples')

    p = _add(
        sub,
        'check',
        run_check,
        'count the values each quantizer saturates or wraps on data; name the uncalibrated WRAP quantizers',
        epilog='exit status 1 if a WRAP quantizer wraps on the data or is uncalibrated.',
    )
    p.add_argument('model', metavar='MODEL.keras', help='saved HGQ2 Keras model')
    p.add_argument('--data', required=True, metavar='X.npy', help=DATA_HELP)
    p.add_argument('--json', action='store_true', help='print JSON instead of a table')

    p = _add(
        sub,
        'sweep',
        run_sweep,
        'convert, verify and cost (and synthesize) many models under many configurations on a Dask cluster',
        epilog="exit status 0 only if every job finished BIT-EXACT; needs pip install 'hgq-hls4ml[sweep]'.",
    )
    add_sweep_arguments(p, _number(int, 'a whole number >= 1', lambda value: value >= 1))
    return parser


def _message(exc: BaseException, code: ExitCode) -> str:
    if code is ExitCode.INTERRUPTED:
        return 'interrupted'
    if isinstance(exc, Terminated):
        return f'stopped by {exc}'
    if code is ExitCode.INTERNAL:
        return f'unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)'
    return str(exc)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings as the CLI's ``warning: ...`` lines (with the class, to look it up), not source locations."""
    print(f'warning: {message} ({category.__name__})', file=sys.stderr)


#: ``1`` leaves JAX's persistent compilation cache off in the command line tool.
NO_JAX_CACHE_ENV = 'HGQ_HLS4ML_NO_JAX_CACHE'


def use_jax_compilation_cache() -> None:
    """Keep what JAX compiles (Keras's eager ops loading a model, its predict) in ``<cache dir>/jax``, as JAX's
    persistent compilation cache, unless the environment chose otherwise: a second command on the same model loads
    and predicts several times faster. Before JAX is imported (it reads these variables once)."""
    if os.environ.get(NO_JAX_CACHE_ENV, '0') not in ('', '0') or 'jax' in sys.modules:
        return
    from ..csim.build_script import cache_dir

    os.environ.setdefault('JAX_COMPILATION_CACHE_DIR', str(cache_dir() / 'jax'))
    os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS', '0')
    os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES', '0')


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hgq-hls4ml`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
    if os.environ['KERAS_BACKEND'] == 'jax':
        use_jax_compilation_cache()
    args = build_parser().parse_args(argv)
    try:
        with terminate_as_interrupt(), warnings.catch_warnings(), cli_spelling():  # SIGTERM/SIGHUP: like Ctrl-C
            warnings.showwarning = _show_warning
            return int(args.run(args))
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code_for(exc)
        if args.debug:
            traceback.print_exc()
        print(f'error: {_message(exc, code)}', file=sys.stderr)
        return int(code)


if __name__ == '__main__':
    sys.exit(main())
