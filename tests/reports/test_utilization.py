"""Vivado report_utilization parsing against tests/data/reports/EXPECTED.md."""

from __future__ import annotations

import re

import pytest

from hgq_hls4ml.errors import ReportFormatError
from hgq_hls4ml.reports import SiteUsage, UtilizationReport, parse_utilization_rpt

SHA3 = 'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256'
#: file -> (Vivado version, design state, device, (used, available) of LUT, FF, Block RAM tiles, DSP, URAM)
EXPECTED = {
    'dnd_hls4ml_vivado2020.1/vivado_synth.rpt': (
        '2020.1',
        'Synthesized',
        'xczu9egffvb1156-2',
        (31277, 274080),
        (4555, 548160),
        (0.5, 912),
        (0, 2520),
        None,
    ),
    'full_model_vivado2019.2_hls4ml/vivado_synth.rpt': (
        '2019.2',
        'Synthesized',
        'xcu50fsvh2104-2L',
        (264101, 871680),
        (298539, 1743360),
        (377, 1344),
        (4752, 5952),
        (115, 640),
    ),
    'lfads_vivado2022.2_hls4ml/vivado_synth.rpt': (
        '2022.2',
        'Synthesized',
        'xcu50-fsvh2104-2L-e',
        (179437, 871680),
        (227971, 1743360),
        (251, 1344),
        (2058, 5952),
        (0, 640),
    ),
    'ece226_vitis2024.1_hls4ml/vivado_synth.rpt': (
        '2024.1',
        'Optimized',
        'xcu250-figd2104-2L-e',
        (8565, 1728000),
        (4864, 3456000),
        (12, 2688),
        (467, 12288),
        (0, 1280),
    ),
    'ece226_vitis2024.1_hls4ml/vivado_utilization.rpt': (
        '2024.1',
        'Routed',
        'xcu250-figd2104-2L-e',
        (7722, 1728000),
        (4864, 3456000),
        (12, 2688),
        (467, 12288),
        (0, 1280),
    ),
    f'{SHA3}_utilization_synth.rpt': (
        '2018.3',
        'Synthesized',
        '7a75tlftg256-2L',
        (12355, 47200),
        (7337, 94400),
        (3, 105),
        (0, 180),
        None,
    ),
    f'{SHA3}_utilization_routed.rpt': (
        '2018.3',
        'Fully Placed',
        '7a75tlftg256-2L',
        (12351, 47200),
        (7337, 94400),
        (3, 105),
        (0, 180),
        None,
    ),
}


def _pair(usage: SiteUsage | None) -> tuple[int | float, int | float | None] | None:
    return None if usage is None else (usage.used, usage.available)


def test_every_utilization_fixture_is_covered(fixture_files) -> None:
    assert fixture_files('vivado_*.rpt') | fixture_files('*_utilization_*.rpt') == set(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_utilization_values(data, name: str) -> None:
    version, state, device, lut, ff, bram, dsp, uram = EXPECTED[name]
    report = parse_utilization_rpt(data / name)
    assert isinstance(report, UtilizationReport)
    assert (report.vivado_version, report.design_state, report.device) == (version, state, device)
    assert [_pair(site) for site in (report.lut, report.ff, report.bram_tiles, report.dsp, report.uram)] == [
        lut,
        ff,
        bram,
        dsp,
        uram,
    ]
    assert report.bram_18k_equiv == SiteUsage(bram[0] * 2, bram[1] * 2)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_percent_matches_the_util_column(data, name: str) -> None:
    """Our computed % agrees with Vivado's own Util% column of the same row."""
    text = (data / name).read_text()
    report = parse_utilization_rpt(data / name)
    for label, site in (('LUTs', report.lut), ('Block RAM Tile', report.bram_tiles), ('DSPs', report.dsp)):
        util = re.search(rf'^\| (?:CLB |Slice )?{label}\*? .*\|\s*([\d.]+) \|$', text, re.M)
        assert site.percent == pytest.approx(float(util.group(1)), abs=0.006)


def test_fractional_bram_tiles(data) -> None:
    report = parse_utilization_rpt(data / 'dnd_hls4ml_vivado2020.1/vivado_synth.rpt')
    assert report.bram_tiles.used == 0.5
    assert report.bram_18k_equiv.used == 1 and isinstance(report.bram_18k_equiv.used, int)


def test_slr_sections_are_ignored(data, tmp_path) -> None:
    """A per-SLR table with the regular columns placed before section 1 must not be picked up."""
    text = (data / 'lfads_vivado2022.2_hls4ml/vivado_synth.rpt').read_text()
    slr = (
        '0. SLR CLB Logic and Dedicated Block Utilization\n------\n\n'
        '+-----------+------+-------+-----------+-------+\n'
        '| Site Type | Used | Fixed | Available | Util% |\n'
        '+-----------+------+-------+-----------+-------+\n'
        '| DSPs      |    1 |     0 |         2 | 50.00 |\n'
        '+-----------+------+-------+-----------+-------+\n\n'
    )
    path = tmp_path / 'vivado_synth.rpt'
    path.write_text(text.replace('1. CLB Logic\n------------\n', slr + '1. CLB Logic\n------------\n', 1))
    assert parse_utilization_rpt(path).dsp == SiteUsage(2058, 5952)


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('truncated_utilization.rpt', r'no Block RAM Tile, DSPs row; not a complete report_utilization report'),
        ('not_a_report.rpt', r"no '\| Tool Version : Vivado v.<version>' header"),
        ('empty_csynth.xml', 'empty file'),
        ('missing_utilization.rpt', 'cannot read report'),
    ],
)
def test_bad_utilization(malformed, name: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(malformed / name))}: {message}'):
        parse_utilization_rpt(malformed / name)


def test_directory_is_a_report_format_error(data) -> None:
    with pytest.raises(ReportFormatError, match='cannot read report'):
        parse_utilization_rpt(data)
