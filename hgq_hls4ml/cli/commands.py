"""The ``hgq-hls4ml`` subcommands; each takes the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import (
    ArgumentError,
    CalibrationWarning,
    ConfigError,
    HGQHls4mlError,
    OutputDirError,
    ToolNotFoundError,
)
from ..progress import Progress, ProgressLine
from .config import (
    ProjectConfig,
    check_layer_names,
    dump_config,
    load_config,
    merge_hls_config,
    part_warning,
    with_overrides,
)
from .exit_codes import ExitCode
from .inputs import (
    RANDOM_SCALE,
    check_file,
    check_output_dir,
    check_output_file,
    load_inputs,
    load_model,
    random_inputs,
)
from .project_dir import lock_dir, project_dir

#: What ``build`` runs when no step option is given.
DEFAULT_STEP = 'synth'


@contextmanager
def hls4ml_output(show: bool) -> Iterator[None]:
    """Hide what hls4ml prints (unless ``show``) but its ``WARNING`` lines, which go to stderr; on an unexpected
    error (not an :class:`HGQHls4mlError`, e.g. a failed g++ compile) all of it goes to stderr."""
    if show:
        yield
        return
    buffer = io.StringIO()
    unexpected = False
    try:
        with redirect_stdout(buffer):
            yield
    except HGQHls4mlError:
        raise
    except BaseException:
        unexpected = True
        raise
    finally:
        for line in buffer.getvalue().splitlines():
            if unexpected or line.lstrip().upper().startswith('WARNING'):
                print(line.rstrip(), file=sys.stderr)


def input_precision_option(values: list[str] | None) -> str | dict[str, str] | None:
    """``--input-precision TYPE`` (every input) or ``--input-precision NAME=TYPE`` (repeatable), as
    :func:`hgq_hls4ml.convert` takes it."""
    if not values:
        return None
    named = [v for v in values if '=' in v]
    if not named:
        if len(values) > 1:
            raise ConfigError('--input-precision: give one TYPE for every input, or NAME=TYPE per input')
        return values[0]
    if len(named) < len(values):
        raise ConfigError('--input-precision: give one TYPE for every input, or NAME=TYPE per input, not both')
    return dict(v.split('=', 1) for v in named)


def target_config(args: argparse.Namespace) -> ProjectConfig:
    """``--config`` file (or defaults) with the command-line target options on top."""
    config = load_config(args.config) if getattr(args, 'config', None) else ProjectConfig()
    config = with_overrides(
        config,
        backend=args.backend,
        io_type=args.io_type,
        part=args.part,
        clock_period=args.clock,
        project_name=args.project_name,
        input_precision=input_precision_option(getattr(args, 'input_precision', None)),
    )
    if warning := part_warning(config.part):
        print(f'warning: {warning}', file=sys.stderr)
    return config


def hls4ml_defaults(model: Any, backend: str) -> dict[str, Any]:
    """Check the model (every problem at once), then hls4ml's per-layer default config for it."""
    import hls4ml

    from ..convert import check_model, check_plugin

    check_plugin()
    check_model(model)
    with hls4ml_output(False):
        return hls4ml.utils.config_from_keras_model(model, granularity='name', backend=backend)


def hls_config_for(model: Any, config: ProjectConfig) -> dict[str, Any]:
    """hls4ml's per-layer config for ``model`` with the user's settings merged in."""
    defaults = hls4ml_defaults(model, config.backend)
    check_layer_names(config, defaults.get('LayerName', {}), model.name)
    return merge_hls_config(defaults, config.hls_config)


def _layer_summary(hls_model: Any) -> str:
    counts = Counter(node.class_name for node in hls_model.graph.values())
    return f'{sum(counts.values())} ({", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items())})'


def run_convert(args: argparse.Namespace) -> ExitCode:
    from ..convert import convert

    config = target_config(args)
    model_path = Path(args.model)
    check_file(model_path, 'model file')
    out = check_output_dir(Path(args.output), args.force)
    model = load_model(model_path)
    hls_config = hls_config_for(model, config)
    with project_dir(out, args.force), hls4ml_output(args.debug):
        hls_model = convert(model, out, hls_config=hls_config, **config.convert_kwargs())
        try:
            hls_model.write()
        except OSError as exc:
            raise OutputDirError(f'writing the project to {str(out)!r} failed: {exc}') from exc
    get = hls_model.config.get_config_value
    print(f'wrote hls4ml project {out}')
    print(f'  model:    {model.name} ({model_path}), {len(model.layers)} Keras layers')
    print(f'  layers:   {_layer_summary(hls_model)}')
    print(f'  backend:  {get("Backend")}, {get("IOType")}, top function {get("ProjectName")}')
    print(f'  part:     {get("Part")}, clock {get("ClockPeriod")} ns')
    print(f'next: hgq-hls4ml build {out} --csim --synth')
    return ExitCode.OK


def run_verify(args: argparse.Namespace) -> ExitCode:
    from ..csim import verify
    from ..timing import Phases, since_process_start

    phases = Phases(imports=since_process_start())  # Python, hls4ml and this package
    started = time.perf_counter() - phases['imports']
    config = target_config(args)
    model_path = Path(args.model)
    check_file(model_path, 'model file')
    if args.data:
        check_file(Path(args.data), 'data file')
    out = check_output_dir(Path(args.output), args.force) if args.output else None
    if shutil.which('g++') is None:
        raise ToolNotFoundError('g++ not found on PATH; verify compiles the firmware with g++ (install it)')
    bars = Progress(not args.quiet)
    with phases('imports'), bars.step('import Keras and HGQ2'):
        import hgq  # noqa: F401  # which loading the model needs
    with phases('load'), bars.step('load the model and the data'):
        model = load_model(model_path)
        if args.data:
            xs = load_inputs(Path(args.data), model)
            source = f'{len(xs[0])} samples from {args.data}'
        else:
            xs = random_inputs(model, args.random, args.seed)
            source = f'{args.random} random samples (normal, sigma {RANDOM_SCALE:g}, seed {args.seed})'
    with phases('convert'):
        hls_config = hls_config_for(model, config)
    with project_dir(out, args.force) if out else tempfile.TemporaryDirectory(prefix='hgq_hls4ml_verify_') as project:
        with hls4ml_output(args.debug):
            report = verify(
                model,
                xs,
                output_dir=project,
                hls_config=hls_config,
                threads=args.threads,
                progress=bars,
                **config.convert_kwargs(),
            )
    for name, seconds in report.times.items():
        phases[name] = phases.get(name, 0.0) + seconds
    phases['total'] = time.perf_counter() - started
    report.times = phases
    print(f'model {model.name} ({model_path}), {config.io_type}, {source}')
    print(report)
    if out:
        print(f'project: {out}')
    return ExitCode.OK if report.exact_given_port else ExitCode.FAILED


def _layer_notes(model: Any, names: list[str]) -> dict[str, str]:
    """Keras class of each layer name; fused activations (``q_dense_relu``) name the layer they come from."""
    classes = {lay.name: type(lay).__name__ for lay in model.layers}
    notes = {}
    for name in names:
        if name in classes:
            notes[name] = classes[name]
        else:
            owners = [k for k in classes if name.startswith(f'{k}_')]
            if owners:
                notes[name] = f'activation of {max(owners, key=len)}'
    return notes


def run_config(args: argparse.Namespace) -> ExitCode:
    config = target_config(args)
    model_path = Path(args.model)
    check_file(model_path, 'model file')
    target = check_output_file(Path(args.output), args.force) if args.output else None
    model = load_model(model_path)
    defaults = hls4ml_defaults(model, config.backend)
    model_defaults = defaults['Model']
    layers: dict[str, dict] = {name: {} for name, conf in defaults['LayerName'].items() if 'ReuseFactor' in conf}
    hls = {
        'Model': {key: model_defaults[key] for key in ('Precision', 'ReuseFactor', 'Strategy')},
        'LayerName': layers,
    }
    text = dump_config(
        replace(config, hls_config=hls),
        model_name=model.name,
        model_file=str(model_path),
        layer_notes=_layer_notes(model, list(layers)),
    )
    if target is None:
        sys.stdout.write(text)
        return ExitCode.OK
    try:
        target.write_text(text)
    except OSError as exc:
        raise OutputDirError(f'cannot write {str(target)!r}: {exc.strerror or exc}') from exc
    print(f'wrote {target}; edit it, then: hgq-hls4ml convert {model_path} -o OUTPUT_DIR --config {target}')
    return ExitCode.OK


def run_report(args: argparse.Namespace) -> ExitCode:
    from ..reports import parse_project, render_table, to_json

    report = parse_project(args.project_dir, top=args.top)
    print(to_json(report) if args.json else render_table(report))
    return ExitCode.OK


def run_build(args: argparse.Namespace) -> ExitCode:
    from ..errors import BuildError
    from ..vitis import BUILD_STEPS, build

    steps = tuple(step for step in BUILD_STEPS if getattr(args, step)) or (DEFAULT_STEP,)
    progress = ProgressLine()
    project = Path(args.project_dir)
    try:
        with lock_dir(project) if project.is_dir() else nullcontext():
            result = build(project, steps, timeout=args.timeout, vitis_path=args.vitis_path, progress=progress)
    except BuildError as exc:
        progress.close()
        if getattr(exc, 'result', None) is not None:
            print(exc.result.table())
        raise
    progress.close()
    print(result.table())
    return ExitCode.OK if result.ok else ExitCode.FAILED


def run_quantize(args: argparse.Namespace) -> ExitCode:
    from ..ptq import quantize
    from ..ptq.keras2 import is_keras2_file, load_keras2, weights_problem

    model_path = Path(args.model)
    check_file(model_path, 'model file')
    problem = weights_problem(model_path, args.weights)
    if problem:
        raise ArgumentError(problem)
    if args.samples:
        check_file(Path(args.samples), 'samples file')
    out = check_output_file(Path(args.output), args.force, suffix='.keras')
    model = load_keras2(model_path, args.weights) if is_keras2_file(model_path) else load_model(model_path)
    xs = load_inputs(Path(args.samples), model) if args.samples else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', CalibrationWarning)
        qmodel = quantize(
            model,
            xs,
            weight_bits=args.weight_bits,
            activation_bits=args.activation_bits,
            per_channel=not args.per_tensor,
            until=args.until,
            seed=args.seed,
            overflow=args.overflow,
            margin=args.margin,
            input_precision=args.input_precision,
            target_agreement=args.target_agreement,
            progress=not args.quiet,
        )
    for warning in caught:
        if issubclass(warning.category, CalibrationWarning):
            print(f'warning: {warning.message}', file=sys.stderr)
    try:
        qmodel.save(out)
    except OSError as exc:
        raise OutputDirError(f'cannot write {str(out)!r}: {exc.strerror or exc}') from exc
    print(qmodel.quantize_report)
    print(f'wrote {out}')
    data = f'--data {args.samples}' if args.samples else '--random 100'
    if args.input_precision:
        data += f" --input-precision '{args.input_precision}'"
    print(f'next: hgq-hls4ml verify {out} {data}')
    return ExitCode.OK


def run_check(args: argparse.Namespace) -> ExitCode:
    from ..ptq import check

    model_path, data_path = Path(args.model), Path(args.data)
    check_file(model_path, 'model file')
    check_file(data_path, 'data file')
    model = load_model(model_path)
    report = check(model, load_inputs(data_path, model), progress=not args.quiet)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.table())
    return ExitCode.FAILED if report.problems else ExitCode.OK
