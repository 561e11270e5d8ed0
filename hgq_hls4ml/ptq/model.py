"""``quantize``: a float Keras model -> an equivalent HGQ2 model, calibrated on samples, ready for ``convert``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError, CalibrationWarning, UnsupportedLayerError
from ..options import spelled
from ..precision.port import port_types_by_input
from ..progress import Progress
from .base import MAX_BITS, MIN_BITS, Context, Widths, input_arrays, input_name

if TYPE_CHECKING:
    import keras

    from .graph import Call, FloatGraph

#: Calibration inputs drawn when no samples are given: standard normal, this many.
RANDOM_SAMPLES = 512
#: With a target agreement, 1 sample in this many is held out of calibration to measure it; at least this many.
HELD_OUT_PART, MIN_HELD_OUT = 4, 20
#: What an activation quantizer does beyond the calibrated range.
OVERFLOW_MODES = ('WRAP', 'SAT')
#: Integer bits a ``SAT`` activation quantizer gets beyond the calibrated range (docs/ptq.md: the measurement).
DEFAULT_MARGIN = 0

SUPPORTED = (
    'supported: Dense, Conv1D/2D/3D, EinsumDense (any element-wise activation, or softmax), SimpleRNN, GRU, '
    'BatchNormalization, softmax '
    '(Softmax, Activation, activation=) as QSoftmax, element-wise activations (Activation of any, ReLU with options, '
    'LeakyReLU, ELU) as QUnaryFunctionLUT, Max/Average/GlobalMax/GlobalAverage pooling 1D-3D, Add, Subtract, '
    'Multiply, Maximum, Minimum, Concatenate, Flatten, Reshape, Permute, ZeroPadding/Cropping/UpSampling 1D-2D, '
    'Rescaling and Normalization (folded into the next Dense/convolution, else an affine step), Dropout and noise '
    'layers (dropped)'
)


def _until_hint() -> str:
    return (
        'to keep the layers after one out of the firmware (they stay float), name the last layer to quantize: '
        + spelled("until='LAYER'", '--until LAYER')
    )


def _widths(weight_bits: int, activation_bits: int, per_channel: bool, overflow: str, margin: int | None) -> Widths:
    for name, bits in (('weight_bits', weight_bits), ('activation_bits', activation_bits)):
        if not isinstance(bits, (int, np.integer)) or not MIN_BITS <= bits <= MAX_BITS:
            raise ArgumentError(f'{name}={bits!r}: expected a whole number of bits from {MIN_BITS} to {MAX_BITS}')
    if overflow not in OVERFLOW_MODES:
        raise ArgumentError(f'overflow={overflow!r}: expected one of {", ".join(map(repr, OVERFLOW_MODES))}')
    if margin is None:
        margin = DEFAULT_MARGIN if overflow == 'SAT' else 0
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or not 0 <= margin < activation_bits:
        raise ArgumentError(f'margin={margin!r}: expected a whole number of integer bits from 0 to activation_bits - 1')
    if margin and overflow != 'SAT':
        raise ArgumentError(f"margin={margin!r}: a margin is for overflow='SAT' (a WRAP quantizer wraps at any range)")
    return Widths(int(weight_bits), int(activation_bits), bool(per_channel), overflow, int(margin))


def _reason(call: Call, ctx: Context) -> list[str]:
    """Why the layer of ``call`` cannot be quantized (empty if it can)."""
    import keras

    from ..handlers.precheck import class_path
    from .registry import MAPPERS

    layer, path = call.layer, class_path(call.layer)
    if call.uses > 1:
        return [f'called {call.uses} times (a shared layer); quantize a model that calls each layer once']
    if isinstance(layer, keras.Model):
        return ['a nested model; build the model from its layers directly']
    if path.startswith('hgq.'):
        return ['already an HGQ2 layer: quantize takes float Keras models (convert or verify HGQ2 models as they are)']
    if path not in MAPPERS:
        return ['no HGQ2 equivalent in hgq_hls4ml.quantize']
    return MAPPERS[path].problems(layer, ctx)


def _suggest_until(graph: FloatGraph, kept: list[Call], bad: set[str]) -> str | None:
    """A layer to quantize ``until`` that leaves every layer of ``bad`` out, or keeps only a non-exact activation of
    the first of them float: that layer itself, else the one it reads."""
    from ..handlers.precheck import class_path
    from .registry import MAPPERS

    first = next(call for call in kept if call.layer.name in bad)
    mapper = MAPPERS.get(class_path(first.layer))
    if mapper is not None and mapper.float_tail(first.layer) and bad == {first.layer.name}:
        candidate = first
    elif len(first.inputs) == 1 and graph.producer.get(id(first.inputs[0])) is not None:
        candidate = graph.producer[id(first.inputs[0])]
    else:
        return None
    try:
        _, _, left_out = graph.cut(candidate.layer.name)
    except ArgumentError:
        return None
    out = {call.layer.name for call in left_out} | ({candidate.layer.name} if candidate is first else set())
    return candidate.layer.name if bad <= out else None


def _samples(samples: Any, graph: FloatGraph, inputs: list[keras.KerasTensor], seed: int) -> tuple[list, bool]:
    """One float32 array per input in ``inputs``, and whether they were drawn at random."""
    model = graph.model
    if samples is None:
        rng = np.random.default_rng(seed)
        warnings.warn(
            f'no calibration samples: quantizing {model.name!r} on {RANDOM_SAMPLES} standard normal inputs (seed '
            f'{seed}); integer bits calibrated on real samples fit real data, random ones may wrap on it',
            CalibrationWarning,
            stacklevel=3,
        )
        return [rng.standard_normal((RANDOM_SAMPLES, *t.shape[1:])).astype(np.float32) for t in inputs], True
    arrays = input_arrays(samples, model, 'samples')
    by_input = {id(t): a for t, a in zip(model.inputs, arrays)}
    return [by_input[id(t)] for t in inputs], False


def _port_types(graph: FloatGraph, input_precision: str | Mapping[str, str] | None) -> list[tuple[Any, str]]:
    """``(model input, port type)`` for every input ``input_precision`` names (all of them, given a string)."""
    if input_precision is None:
        return []
    names = {input_name(t): t for t in graph.model.inputs}
    given = port_types_by_input(input_precision, list(names), graph.model.name, ArgumentError)
    return [(names[name], text) for name, text in given.items()]


def _ports(graph: FloatGraph, kept: list[Call], ctx: Context, input_precision: Any) -> dict[int, Any]:
    """``Context.ports``: each float tensor carrying a model input with a port type as is -> its quantizer."""
    from hgq.quantizer import QuantizerConfig

    from ..handlers.precheck import class_path
    from ..precision.port import parse_port_type
    from .registry import MAPPERS

    ports = {}
    folded = {id(layer) for layer in ctx.input_folds.values()}
    kept_ids = {id(call) for call in kept}
    for t, text in _port_types(graph, input_precision):
        port = parse_port_type(text)
        signed = int(port.signed)
        if port.width > MAX_BITS or port.rounding not in ('TRN', 'RND', 'RND_CONV'):
            raise ArgumentError(
                f'input_precision {text!r}: expected at most {MAX_BITS} bits, rounding TRN, RND or RND_CONV'
            )
        conf = QuantizerConfig(
            'kbi',
            'datalane',
            k0=signed,
            b0=port.width - signed,
            i0=port.integer - signed,
            round_mode=port.rounding,
            overflow_mode='SAT',
            heterogeneous_axis=(),
        )
        todo = [t]
        while todo:
            tensor = todo.pop()
            ports[id(tensor)] = conf
            for call in graph.consumers.get(id(tensor), []):
                mapper = MAPPERS[class_path(call.layer)] if id(call) in kept_ids else None
                if mapper is not None and (mapper.shape_only(call.layer) or id(call.layer) in folded):
                    todo.extend(call.outputs)
    return ports


def _split(xs: list[np.ndarray], target_agreement: float | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(calibration, held-out)`` samples: all and none without a search, else the first 3/4 and the rest."""
    if target_agreement is None:
        return xs, []
    n = len(xs[0])
    held = n // HELD_OUT_PART
    if held < MIN_HELD_OUT:
        raise ArgumentError(
            f'target_agreement: {n} samples leave {held} held out; give at least {MIN_HELD_OUT * HELD_OUT_PART}'
        )
    return [a[: n - held] for a in xs], [a[n - held :] for a in xs]


def _one(items: list) -> Any:
    return items[0] if len(items) == 1 else items


def _needs_quantizer(graph: FloatGraph, kept: list[Call], t: keras.KerasTensor) -> bool:
    """Whether model input ``t`` reaches, through reshapes only, a layer that does not quantize it: the converter
    lets a model input reach quantizers only, so it then gets a quantizer of its own."""
    from ..handlers.precheck import class_path
    from .registry import MAPPERS

    kept_ids = {id(call) for call in kept}
    todo = [t]
    while todo:
        for call in graph.consumers.get(id(todo.pop()), []):
            mapper = MAPPERS[class_path(call.layer)] if id(call) in kept_ids else None
            if mapper is None or mapper.quantizes(call.layer):
                continue
            if not mapper.shape_only(call.layer):
                return True
            todo.extend(call.outputs)
    return False


def _build(graph: FloatGraph, kept: list[Call], outputs: list, inputs: list, ctx: Context) -> keras.Model:
    import keras
    from hgq.quantizer import Quantizer

    from ..handlers.precheck import class_path
    from .registry import MAPPERS

    new_inputs = [keras.Input(t.shape[1:], dtype=t.dtype, name=input_name(t)) for t in inputs]
    tensors = {}
    for t, x in zip(inputs, new_inputs):
        needed = _needs_quantizer(graph, kept, t)
        tensors[id(t)] = Quantizer(ctx.input_conf(t), name=f'{input_name(t)}_q')(x) if needed else x
    for call in kept:
        out = MAPPERS[class_path(call.layer)].build(call, [tensors[id(t)] for t in call.inputs], ctx)
        tensors[id(call.outputs[0])] = out
    return keras.Model(_one(new_inputs), _one([tensors[id(t)] for t in outputs]), name=graph.model.name)


def _check_firmware(qmodel: keras.Model, float_classes: dict[str, str]) -> None:
    """The converter's own check on the HGQ2 layers built, named as the float layers they come from."""
    from ..handlers import connected_layers, model_problems

    if not any(type(lay).__module__.startswith('hgq.') for lay in qmodel.layers):
        raise ArgumentError(f'nothing to quantize in {qmodel.name!r}: no Dense, convolution, pooling or merge layer')
    problems = [
        (name, f'{float_classes[name]} as {cls}' if float_classes.get(name, cls) != cls else cls, reason)
        for name, cls, reason in model_problems(connected_layers(qmodel.layers[0]))
    ]
    if problems:
        raise UnsupportedLayerError(problems, what='converted bit-exactly once quantized')


def _reference(graph: FloatGraph, inputs: list, outputs: list, ctx: Context, xs: list) -> list[np.ndarray]:
    """The float model's outputs of the quantized part on ``xs``; a left-out activation is not applied."""
    import keras

    if ctx.cut_activation is None:
        return [np.asarray(o) for o in _as_list(keras.Model(inputs, outputs).predict(_one(xs), verbose=0))]
    call = graph.call_of(ctx.cut_activation)
    layer = call.layer
    before = keras.Model(inputs, call.inputs[0]).predict(_one(xs), verbose=0)
    linear = type(layer).from_config({**layer.get_config(), 'activation': 'linear'})
    linear.build(call.inputs[0].shape)
    linear.set_weights(layer.get_weights())
    return [np.asarray(linear(before))]


def _as_list(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def quantize(
    model: keras.Model,
    samples: Any = None,
    weight_bits: int = 8,
    activation_bits: int = 8,
    per_channel: bool = True,
    until: str | None = None,
    seed: int = 0,
    overflow: str = 'WRAP',
    margin: int | None = None,
    input_precision: str | Mapping[str, str] | None = None,
    target_agreement: float | None = None,
    progress: bool | Progress = False,
) -> keras.Model:
    """An HGQ2 model computing what the float ``model`` computes, in fixed point, for ``hgq_hls4ml.convert``.

    ``samples``: calibration inputs, an array (one input) or one array per input; ``None`` draws
    :data:`RANDOM_SAMPLES` standard normal ones (seeded by ``seed``) and warns that real samples are better.
    Widths count the sign. ``per_channel``: integer bits per output channel of each kernel and per channel (last
    axis) of each activation, else per tensor. ``until``: the last layer to quantize; it and every layer it depends
    on are quantized, the layers after it left out (they must read only its output), and an activation of its own
    other than relu (a softmax: the model then outputs logits) too. ``overflow``: what an activation quantizer does
    with a value beyond the calibrated range, ``'WRAP'`` or ``'SAT'`` (then ``margin`` more integer bits than the
    samples need, :data:`DEFAULT_MARGIN` by default); a table's input always saturates. ``input_precision``: the
    format the inputs arrive in (the detector's port, e.g. ``'ap_uint<10>'`` for integer counts), for every input or
    ``{input name: type}``: the layers reading an input (through reshapes and a folded ``Rescaling``/
    ``Normalization``) quantize it to exactly that, uncalibrated; pass the same to ``convert``.
    ``target_agreement`` (e.g. 0.99): calibrate on the first 3/4 of the samples, then lower per-layer and
    per-channel widths for the smallest EBOPs whose argmax agreement with the float model on the last 1/4 stays at
    or above it (:mod:`.search`; progress shown while it searches); ``quantize_report.search`` says what it reached.

    A layer with no HGQ2 equivalent raises :class:`UnsupportedLayerError` listing every such layer, before anything
    is built; so does a mapped layer the firmware cannot take (a dilated convolution, say). The returned model's
    ``quantize_report`` (:class:`QuantizeReport`) says what was folded and left out, and the argmax agreement and
    largest difference with the float model on the samples. ``progress``: progress of the calibration and of the
    comparison on a terminal's stderr.
    """
    from hgq.utils import trace_minmax

    from ..convert import check_keras_model
    from ..handlers.precheck import class_path
    from .calibrate import calibrate, tables_of, transfer
    from .graph import FloatGraph
    from .normalization import foldable
    from .registry import MAPPERS
    from .report import QuantizeReport, compare
    from .scaling import foldable_scalings
    from .search import search, total_ebops

    widths = _widths(weight_bits, activation_bits, per_channel, overflow, margin)
    if target_agreement is not None and not (isinstance(target_agreement, (int, float)) and 0 < target_agreement <= 1):
        raise ArgumentError(f'target_agreement={target_agreement!r}: expected a fraction in (0, 1], e.g. 0.99')
    check_keras_model(model)
    graph = FloatGraph(model)
    kept, outputs, left_out = graph.cut(until)
    ctx = Context(widths)
    tail = None
    if until is not None:
        mapper = MAPPERS.get(class_path(graph.call_of(until).layer))
        tail = mapper.float_tail(graph.call_of(until).layer) if mapper else None
        ctx.cut_activation = until if tail else None
    problems = list(dict.fromkeys((c.layer.name, type(c.layer).__name__, r) for c in kept for r in _reason(c, ctx)))
    if problems:
        hint = SUPPORTED
        if until is None:
            name = _suggest_until(graph, kept, {name for name, _, _ in problems})
            until_name = spelled(f'pass until={name!r}', f'pass --until {name}')
            advice = f'{until_name} to quantize up to {name!r}; the rest stays float' if name else _until_hint()
            hint += f'\n{advice}'
        raise UnsupportedLayerError(problems, what='quantized by hgq_hls4ml.quantize', hint=hint)
    ctx.folds = foldable(graph, kept, ctx.cut_activation)
    ctx.input_folds = foldable_scalings(graph, kept)
    ctx.ports = _ports(graph, kept, ctx, input_precision)
    inputs = graph.inputs_of(kept)
    xs, random = _samples(samples, graph, inputs, seed)
    ctx.widths = replace(widths, tracing=True)
    qmodel = _build(graph, kept, outputs, inputs, ctx)
    _check_firmware(qmodel, {c.layer.name: type(c.layer).__name__ for c in kept})
    bars = progress if isinstance(progress, Progress) else Progress(progress)
    calibration, held_out = _split(xs, target_agreement)
    with bars.step('calibrate'):
        calibrate(qmodel, _one(calibration), widths.activation_bits)
        if widths.overflow != 'WRAP' or tables_of(qmodel):
            traced, ctx.widths = qmodel, widths
            qmodel = _build(graph, kept, outputs, inputs, ctx)
            transfer(traced, qmodel, widths.margin)
        trace_minmax(qmodel, _one(calibration), reset=False)  # HGQ2 counts EBOPs when tracing (nothing grows)
    searched = None
    if target_agreement is not None:
        reference = _reference(graph, inputs, outputs, ctx, held_out)
        if compare(reference, reference)[0] is None:
            raise ArgumentError(f'target_agreement={target_agreement!r}: no output of two or more classes to agree on')
        searched = search(
            qmodel,
            _one(calibration),
            _one(held_out),
            reference,
            float(target_agreement),
            lambda ref, out: compare(ref, _as_list(out))[0],
        )
    with bars.step('compare with the float model'):
        quantized = _as_list(qmodel.predict(_one(xs), verbose=0))
        agreement, error = compare(_reference(graph, inputs, outputs, ctx, xs), quantized)
    qmodel.quantize_report = QuantizeReport(
        model=model.name,
        weight_bits=widths.weight_bits,
        activation_bits=widths.activation_bits,
        per_channel=widths.per_channel,
        overflow=widths.overflow,
        margin=widths.margin,
        n_samples=len(xs[0]),
        random_samples=random,
        agreement=agreement,
        max_abs_error=error,
        folded=tuple((bn.name, into) for into, bn in ctx.folds.items()),
        scaling_folded=tuple((scaling.name, into) for into, scaling in ctx.input_folds.items()),
        input_precision=tuple((input_name(t), str(text)) for t, text in _port_types(graph, input_precision)),
        until=until,
        removed_activation=tail,
        left_out=tuple(f'{c.layer.name} ({type(c.layer).__name__})' for c in left_out),
        ebops=total_ebops(qmodel),
        search=searched,
    )
    return qmodel
