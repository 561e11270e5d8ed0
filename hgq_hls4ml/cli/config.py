"""The YAML configuration file of the ``hgq-hls4ml`` command: load, validate, merge and dump.

Small pure functions; the problems of a file raise one :class:`~hgq_hls4ml.errors.ConfigError` naming the file
and, for each problem, the key.
A file looks like (every key optional)::

    backend: Vitis
    io_type: io_parallel
    part: xcvu13p-flga2577-2-e
    clock_period: 5
    project_name: myproject
    input_precision: ap_fixed<10,5>    # the detector's format; or {input_layer: ap_fixed<10,5>}
    hls_config:
      Model:
        Precision: fixed<16,6>
        ReuseFactor: 1
        Strategy: Latency              # or Resource, distributed_arithmetic
      LayerName:
        q_dense:
          ReuseFactor: 4
          Precision: {result: fixed<16,6>}   # checked against the exact type (error if narrower, warning if wider)
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..options import strategy_problem

BACKENDS = ('Vitis', 'Vivado')
IO_TYPES = ('io_parallel', 'io_stream')
#: hls4ml's defaults (Vivado and Vitis backends' ``create_initial_config``).
DEFAULT_PART = 'xcvu13p-flga2577-2-e'
DEFAULT_CLOCK_PERIOD = 5
DEFAULT_PROJECT_NAME = 'myproject'
DEFAULT_PRECISION = 'fixed<16,6>'
DEFAULT_REUSE_FACTOR = 1
DEFAULT_STRATEGY = 'Latency'
LAYER_DEFAULTS = (('ReuseFactor', DEFAULT_REUSE_FACTOR), ('Strategy', DEFAULT_STRATEGY))
_IDENTIFIER = re.compile(r'[A-Za-z_]\w*\Z')
#: AMD/Xilinx part numbers as Vitis HLS takes them: ``xc``/``xa``/``xq``, device and package, then 1-4 dash-separated
#: fields (speed grade, temperature, ...): xcvu13p-flga2577-2-e, xc7z020clg400-1, xcvc1902-vsva2197-2MP-e-S.
PART_FORM = re.compile(r'x[acq][a-z0-9]+(?:-[a-z0-9]+){1,4}\Z', re.IGNORECASE)


def part_warning(part: str) -> str | None:
    """A warning if ``part`` does not have the form of an AMD/Xilinx part number (Vitis HLS would refuse it at build
    time), else ``None``."""
    if PART_FORM.match(part):
        return None
    return (
        f'part {part!r} does not look like an AMD/Xilinx part number (e.g. {DEFAULT_PART}, xc7z020clg400-1); '
        'the project is written, but Vitis HLS will refuse an unknown part when it builds'
    )


@dataclass(frozen=True)
class ProjectConfig:
    """Settings for ``convert``/``verify`` (defaults: hls4ml's); ``source`` names the file in error messages."""

    backend: str = 'Vitis'
    io_type: str = 'io_parallel'
    part: str = DEFAULT_PART
    clock_period: float = DEFAULT_CLOCK_PERIOD
    project_name: str = DEFAULT_PROJECT_NAME
    input_precision: str | dict[str, str] | None = None
    hls_config: dict[str, Any] = field(default_factory=dict)
    source: str = '<defaults>'

    def convert_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`hgq_hls4ml.convert` / :func:`hgq_hls4ml.verify` (without ``hls_config``)."""
        return {
            'backend': self.backend,
            'io_type': self.io_type,
            'part': self.part,
            'clock_period': self.clock_period,
            'project_name': self.project_name,
            'input_precision': self.input_precision,
        }


Check = Callable[[Any], str | None]  # returns what is wrong with a value, or None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def choice_check(options: tuple[str, ...]) -> Check:
    return lambda v: None if v in options else f'must be one of {", ".join(options)}; got {v!r}'


def _positive_int(v: Any) -> str | None:
    return None if _is_int(v) and v >= 1 else f'must be an integer >= 1; got {v!r}'


def _non_negative_int(v: Any) -> str | None:
    return None if _is_int(v) and v >= 0 else f'must be an integer >= 0; got {v!r}'


def _positive_number(v: Any) -> str | None:
    ok = (_is_int(v) or isinstance(v, float)) and v > 0
    return None if ok else f'must be a positive number (nanoseconds); got {v!r}'


def _non_empty_str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else f'must be a non-empty string; got {v!r}'


def _identifier(v: Any) -> str | None:
    ok = isinstance(v, str) and _IDENTIFIER.match(v)
    return None if ok else f'must be a C identifier (letters, digits, _; not starting with a digit); got {v!r}'


def _precision(v: Any) -> str | None:
    if isinstance(v, str) and v.strip():
        return None
    if isinstance(v, dict) and v and all(isinstance(k, str) and isinstance(t, str) for k, t in v.items()):
        return None
    return f'must be a type string such as fixed<16,6>, or a mapping of such strings; got {v!r}'


def _port_types(v: Any) -> str | None:
    from ..precision.port import parse_port_type

    texts = list(v.values()) if isinstance(v, dict) and v else [v]
    for text in texts:
        if not isinstance(text, str):
            break
        try:
            parse_port_type(text)
        except ConfigError as exc:
            return f'{exc}'.replace('input port type ', 'has ')
    else:
        return None
    return f'must be a port type such as ap_fixed<10,5>, or a mapping of input names to such types; got {v!r}'


TOP_KEYS: dict[str, Check] = {
    'backend': choice_check(BACKENDS),
    'io_type': choice_check(IO_TYPES),
    'part': _non_empty_str,
    'clock_period': _positive_number,
    'project_name': _identifier,
    'input_precision': _port_types,
}
MODEL_KEYS: dict[str, Check] = {
    'Precision': _precision,
    'ReuseFactor': _positive_int,
    'Strategy': strategy_problem,
    'BramFactor': _non_negative_int,
}
#: Per-layer keys: what the Python call takes (a Precision is checked against the layer's exact type there).
LAYER_KEYS: dict[str, Check] = {'Precision': _precision, 'ReuseFactor': _positive_int, 'Strategy': strategy_problem}
HLS_CONFIG_KEYS = ('Model', 'LayerName')


def config_error(source: str, problems: Sequence[str]) -> ConfigError:
    """One error for every problem (``'<key> <what is wrong>'``) of the configuration ``source``."""
    if len(problems) == 1:
        return ConfigError(f'{source}: {problems[0]}')
    return ConfigError(f'{source}: {len(problems)} problems:\n' + '\n'.join(f'  - {p}' for p in problems))


def _mapping(value: Any, key: str, problems: list[str]) -> dict[str, Any]:
    """``value`` as a mapping (``{}`` for ``None``); anything else is a problem, and ``{}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f'{key} must be a mapping of keys to values; got {value!r}')
        return {}
    return value


def unknown_key(key: Any, where: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f'did you mean {close[0]!r}? ' if close else ''
    return f'unknown key {where!r} ({hint}allowed: {", ".join(allowed)})'


def _check_keys(
    data: Mapping[str, Any], checks: Mapping[str, Check], prefix: str, problems: list[str], extra: Iterable[str] = ()
) -> None:
    for key, value in data.items():
        where = f'{prefix}{key}'
        if key not in checks:
            problems.append(unknown_key(key, where, [*checks, *extra]))
        elif problem := checks[key](value):
            problems.append(f'{where} {problem}')


def _validate_hls_config(value: Any, problems: list[str]) -> dict[str, Any]:
    hls = _mapping(value, 'hls_config', problems)
    problems += [unknown_key(key, f'hls_config.{key}', HLS_CONFIG_KEYS) for key in hls if key not in HLS_CONFIG_KEYS]
    model = _mapping(hls.get('Model'), 'hls_config.Model', problems)
    _check_keys(model, MODEL_KEYS, 'hls_config.Model.', problems)
    layers = _mapping(hls.get('LayerName'), 'hls_config.LayerName', problems)
    checked_layers = {}
    for name, conf in layers.items():
        where = f'hls_config.LayerName.{name}'
        checked_layers[str(name)] = conf = _mapping(conf, where, problems)
        _check_keys(conf, LAYER_KEYS, f'{where}.', problems)
    result: dict[str, Any] = {}
    if model:
        result['Model'] = dict(model)
    if checked_layers:
        result['LayerName'] = checked_layers
    return result


def validate_config(data: Any, source: str = '<config>') -> ProjectConfig:
    """A :class:`ProjectConfig` from parsed YAML ``data`` (``None`` for an empty file); ``source`` names it in errors,
    which list every problem at once."""
    problems: list[str] = []
    data = _mapping(data, 'the top level', problems)
    top = {k: v for k, v in data.items() if k != 'hls_config'}
    _check_keys(top, TOP_KEYS, '', problems, extra=['hls_config'])
    hls_config = _validate_hls_config(data.get('hls_config'), problems)
    if problems:
        raise config_error(source, problems)
    return ProjectConfig(**top, hls_config=hls_config, source=source)


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a YAML configuration file."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f'{path}: configuration file not found') from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f'{path}: cannot read configuration file: {exc}') from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
        problem = getattr(exc, 'problem', None) or str(exc).splitlines()[0]
        raise ConfigError(f'{path}: not valid YAML{where}: {problem}') from None
    return validate_config(data, str(path))


def with_overrides(config: ProjectConfig, **overrides: Any) -> ProjectConfig:
    """``config`` with every override that is not ``None`` (command-line options win over the file)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    problems: list[str] = []
    _check_keys(given, TOP_KEYS, '', problems)
    if problems:
        raise config_error('command line', problems)
    return replace(config, **given)


def check_layer_names(config: ProjectConfig, known: Iterable[str], model_name: str) -> None:
    """Refuse ``hls_config.LayerName`` entries that name no layer of the model (all of them at once)."""
    known = list(known)
    problems = [
        f'hls_config.LayerName.{name}: model {model_name!r} has no layer {name!r} (layers: {", ".join(known)})'
        for name in config.hls_config.get('LayerName', {})
        if name not in known
    ]
    if problems:
        raise config_error(config.source, problems)


def merge_hls_config(defaults: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """hls4ml's per-layer ``defaults`` (``config_from_keras_model(granularity='name')``) with ``user`` on top.

    The defaults' per-layer ``ReuseFactor``/``Strategy`` are dropped so that ``Model`` values apply to every layer
    not listed under ``LayerName``.
    """
    merged = copy.deepcopy(dict(defaults))
    for conf in merged.get('LayerName', {}).values():
        for key, _ in LAYER_DEFAULTS:
            conf.pop(key, None)
    merged.setdefault('Model', {}).update(copy.deepcopy(user.get('Model', {})))
    layers = merged.setdefault('LayerName', {})
    for name, conf in user.get('LayerName', {}).items():
        layers.setdefault(name, {}).update(copy.deepcopy(conf))
    return merged


def _yaml_value(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1 << 16).strip().removesuffix('...').strip()


def dump_config(
    config: ProjectConfig,
    *,
    model_name: str | None = None,
    model_file: str | None = None,
    layer_notes: Mapping[str, str] | None = None,
) -> str:
    """A commented YAML text that :func:`load_config` reads back as ``config`` (absent Model keys filled in).

    ``layer_notes`` (layer name -> short note, e.g. its Keras class) become end-of-line comments under LayerName.
    """
    notes = layer_notes or {}
    model = config.hls_config.get('Model', {})
    layers = config.hls_config.get('LayerName', {})
    about = f' for model {model_name!r}' if model_name else ''
    use = f'hgq-hls4ml convert {model_file or "MODEL.keras"} -o OUTPUT_DIR --config THIS_FILE'
    lines = [
        f'# hgq-hls4ml configuration{about}.',
        f'# Edit it and pass it back: {use}',
        '# (verify takes --config too). Command-line options (--backend, --io-type, --part, --clock) override it.',
        "# Every key is optional: a removed key takes hls4ml's default.",
        '',
        '# hls4ml backend that writes the project: Vitis (Vitis HLS) or Vivado (Vivado HLS).',
        f'backend: {_yaml_value(config.backend)}',
        '# Interface: io_parallel (all values at once, arrays fully partitioned) or io_stream (hls::stream FIFOs).',
        f'io_type: {_yaml_value(config.io_type)}',
        '# FPGA part number given to the HLS tool.',
        f'part: {_yaml_value(config.part)}',
        '# Target clock period in nanoseconds.',
        f'clock_period: {_yaml_value(config.clock_period)}',
        '# Name of the top-level C++ function and of the HLS project (<project_name>_prj); a C identifier.',
        f'project_name: {_yaml_value(config.project_name)}',
        '# Input port type: the format the detector delivers, e.g. ap_fixed<10,5> (or {input_name: type}); by',
        '# default the narrowest port through which the quantizers see every float input as Keras does.',
        *(
            [f'input_precision: {_yaml_value(config.input_precision)}']
            if config.input_precision is not None
            else ['# input_precision: ap_fixed<10,5>']
        ),
        '',
        '# hls4ml settings. hgq_hls4ml derives every result, accumulator and weight type exactly from the HGQ2',
        '# quantizers: bit-widths are set by training, not here. A per-layer Precision (e.g. {result: fixed<16,6>})',
        '# narrower than the exact type is refused, a wider one replaced by it with a warning.',
        'hls_config:',
        '  Model:',
        '    # hls4ml default type, used only where hgq_hls4ml sets no type itself.',
        f'    Precision: {_yaml_value(model.get("Precision", DEFAULT_PRECISION))}',
        '    # Times each multiplier is reused: 1 = fully parallel (lowest latency, most DSPs/LUTs). hls4ml rounds',
        '    # it to the nearest valid value for each layer (with a warning). Layers can override it below.',
        f'    ReuseFactor: {_yaml_value(model.get("ReuseFactor", DEFAULT_REUSE_FACTOR))}',
        '    # Latency (fully pipelined, for small layers), Resource (shares multipliers; use with ReuseFactor > 1)',
        "    # or distributed_arithmetic (adder graphs, no multipliers; pip install 'hgq-hls4ml[da]').",
        f'    Strategy: {_yaml_value(model.get("Strategy", DEFAULT_STRATEGY))}',
    ]
    if 'BramFactor' in model:
        lines += [
            '    # Weights of layers with more parameters than this are stored in BRAM (io_parallel, Resource).',
            f'    BramFactor: {_yaml_value(model["BramFactor"])}',
        ]
    lines += [
        '  # Per-layer overrides (keys: ReuseFactor, Strategy, Precision); uncomment one to override the Model value.',
        '  # Names are hls4ml layer names: the Keras names, plus e.g. _relu for an activation split off a layer.',
    ]
    if layers:
        lines.append('  LayerName:')
        for name, conf in layers.items():
            note = f'  # {notes[name]}' if name in notes else ''
            lines.append(f'    {_yaml_value(name)}:{note}')
            lines += [f'      {key}: {_yaml_value(value)}' for key, value in conf.items()]
            if not conf:
                lines += [f'      # {key}: {_yaml_value(model.get(key, default))}' for key, default in LAYER_DEFAULTS]
    else:
        lines.append('  LayerName: {}')
    return '\n'.join(lines) + '\n'
