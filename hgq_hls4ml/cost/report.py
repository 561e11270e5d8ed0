"""``LayerCost`` and ``CostReport``: the numbers of :func:`hgq_hls4ml.cost`, as a table, a dict or a bar chart."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..reports.render import text_grid

#: Columns of the table: header and the ``LayerCost`` field shown.
COLUMNS = (
    ('layer', 'name'),
    ('class', 'class_name'),
    ('weights', 'weights'),
    ('weight bits', 'weight_bits'),
    ('mults', 'multiplies'),
    ('BOPs', 'bops'),
    ('EBOPs', 'ebops'),
    ('accum', 'accum_width'),
    ('result', 'result_width'),
    ('result bits', 'result_bits'),
    ('LUT', 'luts'),
    ('DSP', 'dsps'),
)
#: Fields summed into the total row.
SUMMED = ('weights', 'weight_bits', 'multiplies', 'bops', 'result_bits', 'luts', 'dsps', 'adders')
#: Columns shown when some node is a distributed-arithmetic kernel.
DA_COLUMNS = (('DA adders', 'adders'), ('DA depth', 'adder_depth'))
#: Footer of a table with EBOPs: why they differ from BOPs (see :mod:`.proxy` and :mod:`.ebops`).
EBOPS_NOTE = (
    'BOPs: per firmware product, proven input width x significant bits of the non-zero weight; '
    'EBOPs (HGQ2): input x kernel quantizer bit-widths of every weight, plus bias bits'
)


@dataclass(frozen=True)
class LayerCost:
    """Cost of one firmware node (see :mod:`hgq_hls4ml.cost.proxy` for the definitions).

    ``ebops`` is HGQ2's EBOPs of the Keras layer of the same name (``None`` without a Keras model or such a layer);
    ``modelled`` is ``False`` for node classes the proxy has no rule for (counted as zero). ``result_width`` is
    ``None`` in the total. ``result_bits``: the live widths of the node's output elements, summed (an input's:
    its port, the bits the upstream electronics feeds per sample). ``adders`` and ``adder_depth``: the adder graph
    of a distributed-arithmetic kernel (``adder_depth``: adder levels on its longest path; ``None`` elsewhere).
    """

    name: str
    class_name: str
    weights: int = 0
    weight_bits: int = 0
    multiplies: int = 0
    bops: int = 0
    accum_width: int | None = None
    result_width: int | None = None
    result_bits: int = 0
    luts: int = 0
    dsps: int = 0
    ebops: float | None = None
    modelled: bool = True
    adders: int = 0
    adder_depth: int | None = None


@dataclass
class CostReport:
    """Per-node costs of a converted model, and HGQ2's EBOPs per Keras layer when the Keras model was given."""

    layers: list[LayerCost]
    keras_ebops: dict[str, float] | None = field(default=None)

    @property
    def total(self) -> LayerCost:
        """Sums over the nodes, the widest accumulator and the sum of EBOPs over every Keras layer."""
        accums = [lay.accum_width for lay in self.layers if lay.accum_width is not None]
        depths = [lay.adder_depth for lay in self.layers if lay.adder_depth is not None]
        return LayerCost(
            'TOTAL',
            '',
            **{name: sum(getattr(lay, name) for lay in self.layers) for name in SUMMED},
            accum_width=max(accums, default=None),
            ebops=None if self.keras_ebops is None else sum(self.keras_ebops.values()),
            modelled=all(lay.modelled for lay in self.layers),
            adder_depth=max(depths, default=None),
        )

    def table(self) -> str:
        """One row per node plus a total row; unmodelled node classes are marked with ``*``; with EBOPs, a footer
        says how they differ from BOPs."""
        columns = COLUMNS + (DA_COLUMNS if any(lay.adders for lay in self.layers) else ())
        rows = [self._row(lay, columns) for lay in [*self.layers, self.total]]
        text = text_grid([header for header, _ in columns], rows)
        if not self.total.modelled:
            text += '\n* no cost rule for this node class: counted as zero'
        if self.keras_ebops is not None:
            text += f'\n{EBOPS_NOTE}'
        return text

    @staticmethod
    def _row(lay: LayerCost, columns: tuple[tuple[str, str], ...]) -> list[object]:
        row: list[object] = [getattr(lay, name) for _, name in columns]
        row[1] = lay.class_name if lay.modelled else f'{lay.class_name}*'
        if lay.ebops is not None:
            row[6] = round(lay.ebops)
        return row

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``layers`` (one dict per node), ``total`` and ``keras_ebops``."""
        return {
            'layers': [asdict(lay) for lay in self.layers],
            'total': asdict(self.total),
            'keras_ebops': self.keras_ebops,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CostReport:
        """Inverse of :meth:`to_dict` (``total`` is recomputed)."""
        names = {f.name for f in fields(LayerCost)}
        return cls(
            [LayerCost(**{k: v for k, v in lay.items() if k in names}) for lay in data['layers']],
            data.get('keras_ebops'),
        )

    def plot(self, path: str | Path) -> Path:
        """Bar charts per node (LUTs; BOPs next to HGQ2's EBOPs) saved to ``path`` (format from its suffix)."""
        try:
            from matplotlib.figure import Figure
        except ImportError as exc:
            raise ImportError("CostReport.plot needs matplotlib: pip install 'hgq-hls4ml[plot]'") from exc
        layers = [lay for lay in self.layers if lay.luts or lay.dsps or lay.bops or lay.ebops]
        names = [lay.name for lay in layers]
        pos = list(range(len(layers)))
        fig = Figure(figsize=(max(6.0, 0.6 * len(layers) + 2), 7), layout='constrained')
        ax_lut, ax_ops = fig.subplots(2, 1, sharex=True)
        ax_lut.bar(pos, [lay.luts for lay in layers], color='tab:blue')
        ax_lut.set_ylabel('LUT (proxy)')
        for x, lay in zip(pos, layers):
            if lay.dsps:
                ax_lut.annotate(f'{lay.dsps} DSP', (x, lay.luts), ha='center', va='bottom', fontsize=8)
        ax_ops.bar([x - 0.2 for x in pos], [lay.bops for lay in layers], width=0.4, label='BOPs (firmware)')
        ax_ops.bar([x + 0.2 for x in pos], [lay.ebops or 0 for lay in layers], width=0.4, label='EBOPs (HGQ2)')
        ax_ops.set_ylabel('bit operations')
        ax_ops.legend()
        ax_ops.set_xticks(pos, names, rotation=60, ha='right', fontsize=8)
        out = Path(path)
        fig.savefig(out)
        return out
