"""Typed errors raised by hgq_hls4ml.

Every error a user can trigger derives from :class:`HGQHls4mlError`, so callers (and the CLI) can catch
one base class and print the message, which always says *what* went wrong and *where*.
"""

from __future__ import annotations


class HGQHls4mlError(Exception):
    """Base class of all errors raised by hgq_hls4ml."""


class ModelInputError(HGQHls4mlError, ValueError):
    """The object given is not a usable Keras/HGQ2 model (wrong type, unbuilt, dynamic shape, ...)."""


class UnsupportedLayerError(HGQHls4mlError, ValueError):
    """One or more layers (or layer options) cannot be converted bit-exactly.

    ``problems`` holds one ``(layer_name, class_name, reason)`` tuple per offending layer; the message lists all,
    under a first line ending in ``what`` (what cannot be done to them), then ``hint`` if given.
    """

    def __init__(
        self,
        problems: list[tuple[str, str, str]],
        what: str = 'converted bit-exactly by hgq_hls4ml',
        hint: str = '',
    ):
        self.problems = list(problems)
        lines = [f'  - {name} ({cls}): {reason}' for name, cls, reason in self.problems]
        n = len(self.problems)
        text = f'{n} layer{"s" if n != 1 else ""} cannot be {what}:\n' + '\n'.join(lines)
        super().__init__(text + (f'\n{hint}' if hint else ''))


class ArgumentError(HGQHls4mlError, ValueError):
    """An argument does not fit the model: a layer name it lacks, samples of the wrong shape, a bit width out of
    range."""


class OutputDirError(HGQHls4mlError, OSError):
    """The output directory cannot be used (missing parent, not writable, not empty without --force)."""


class ToolNotFoundError(HGQHls4mlError, FileNotFoundError):
    """An external tool (vitis_hls, vivado, g++) was not found."""


class BuildError(HGQHls4mlError, RuntimeError):
    """An external build step failed; the message carries the step, return code and last log lines."""


class BuildTimeoutError(BuildError):
    """An external build step exceeded its timeout and was killed."""


class ReportFormatError(HGQHls4mlError, ValueError):
    """A report file is missing, truncated, malformed or of an unknown format."""


class NotBuiltError(ReportFormatError):
    """An hls4ml project has no reports because it has not been built yet (``hgq-hls4ml build`` writes them)."""


class ConfigError(HGQHls4mlError, ValueError):
    """A YAML/dict configuration is invalid."""


class SweepLockedError(HGQHls4mlError, RuntimeError):
    """Another sweep holds the results folder (its lock); two sweeps never write one folder at once."""


class ProjectError(HGQHls4mlError, FileNotFoundError):
    """A directory is not a buildable hls4ml project (missing, or without ``build_prj.tcl`` / ``project.tcl``)."""


class UnknownStepError(HGQHls4mlError, ValueError):
    """A build step name is not one of the Vitis HLS steps (``csim``, ``synth``, ``cosim``, ``export``, ``vsynth``)."""


class LicenseError(BuildError):
    """The tool found no valid license for Vitis HLS (or Vivado synthesis)."""


class PartError(BuildError):
    """The project's FPGA part is not installed in (or not known to) the Xilinx/AMD tools."""


class CsimMismatchError(BuildError):
    """C simulation ran but the testbench reported a failure (``main`` returned nonzero)."""


class InputFileError(HGQHls4mlError, ValueError):
    """An input file (Keras model, input data) is missing, unreadable or not of the expected format."""


class PluginInactiveError(HGQHls4mlError, RuntimeError):
    """The plugin is installed but failed to register, so an HGQ2 model cannot be converted bit-exactly."""


class StrategyWarning(UserWarning):
    """A layer asked for a strategy hls4ml has no implementation of builds with another (named, with the reason)."""


class Float32Warning(UserWarning):
    """Keras's float32 arithmetic may round where the firmware computes exactly (window sums of an average beyond
    float32's 24 significant bits), so the firmware may differ from Keras there."""


class CalibrationWarning(UserWarning):
    """Quantization calibrated on random inputs (no samples given): integer bits may not fit real data."""


class InputPrecisionError(ConfigError):
    """The input port type given (``input_precision``, ``--input-precision``, ``hls_config['LayerName'][input]
    ['Precision']``) cannot feed the model: it drops fractional bits a quantizer reading it keeps. Raised before any
    file is written; the message names the elements and the smallest formats that work."""


class InputPortWarning(UserWarning):
    """The input port makes the firmware differ from Keras on some float inputs (a given port type narrower or
    coarser than the quantizers read, named with the elements and inputs concerned), or is exact only by holding
    every float32 (WRAP_SM quantizers, or wrapping and saturating quantizers on one input)."""


class LayerPrecisionError(ConfigError):
    """A per-layer ``Precision`` of ``hls_config`` cannot hold the layer's exact results (fewer integer or fractional
    bits than the values need): raised before any file is written, naming every such layer, both types and why."""


class PrecisionWarning(UserWarning):
    """A per-layer ``Precision`` of ``hls_config`` is replaced by the layer's exact type (named with both types and
    why: the given one is wider than the values need, or differs in sign or modes)."""
