"""Plain-text and JSON rendering of parsed reports."""

from __future__ import annotations

import json
import re

import pytest

from hgq_hls4ml.reports import (
    parse_cosim_rpt,
    parse_csim_log,
    parse_csynth_xml,
    parse_project,
    parse_utilization_rpt,
    render_table,
    to_json,
)

ECE226 = 'ece226_vitis2024.1_hls4ml'


def _grids(text: str) -> list[list[str]]:
    """The aligned tables in a rendering: blocks of lines containing ``|`` (header, rule, rows)."""
    blocks = [block.splitlines() for block in text.split('\n\n')]
    return [lines for lines in blocks if len(lines) > 2 and all(re.search(r'\||-\+-', line) for line in lines)]


def _assert_aligned(text: str) -> None:
    grids = _grids(text)
    assert grids
    for lines in grids:
        positions = {tuple(i for i, char in enumerate(line) if char in '|+') for line in lines}
        assert len(positions) == 1, lines


def test_render_project_contains_key_numbers(data) -> None:
    text = render_table(parse_project(data / ECE226))
    for needle in (
        'Project myproject',
        'Vitis HLS 2024.1',
        'xcu250-figd2104-2L-e',
        'target 5',
        'estimated 3.53',
        'dataflow',
        '1975',
        '390',
        '17966',
        '1728000',
        '1.04',
        'C/RTL co-simulation: no report',
        'Vivado 2024.1 utilization (Optimized)',
        'Vivado 2024.1 utilization (Routed)',
        '8565',
        '7722',
    ):
        assert needle in text, needle
    _assert_aligned(text)


def test_render_csynth_table_rows(data) -> None:
    text = render_table(parse_csynth_xml(data / f'{ECE226}/myproject_csynth.xml'))
    lines = text.splitlines()
    assert 'latency (cycles)         |  395 |  395 |   395' in lines
    assert 'latency (ns, 5 ns clock) | 1975 | 1975 |  1975' in lines
    assert 'LUT      | 17966 |   1728000 | 1.04' in lines
    assert 'URAM     |     0 |      1280 |    0' in lines


def test_render_loops_ranges_and_unknowns(data) -> None:
    topk = render_table(parse_csynth_xml(data / 'topk_sort_vitis2022.1_range/topk_sort_csynth.xml'))
    assert 'VITIS_LOOP_57_4 |         99 | 495 ~ 10197 |           5 ~ 103 |  - |     -' in topk.splitlines()
    assert 'latency (cycles)          |  105704 |   - |  115406' in topk.splitlines()
    reader = render_table(parse_csynth_xml(data / 'vecdot_vitis2020.1_undef/VecReader_csynth.xml'))
    assert 'VITIS_LOOP_4_1 |          ? |   2 ~ ? |                 - |  1 |     3' in reader.splitlines()
    sha3 = render_table(parse_csynth_xml(data / 'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml'))
    assert '  keccak_absorb_label0 |         17 |      85 |' in sha3  # sub-loop indented
    for text in (topk, reader, sha3):
        _assert_aligned(text)


def test_render_cosim_and_csim(data) -> None:
    cosim = render_table(parse_cosim_rpt(data / 'vecdot_vitis2020.1_undef/VecDotProduct_cosim.rpt'))
    assert 'C/RTL co-simulation: Pass (Verilog)' in cosim
    assert 'latency (cycles)  | 10099 | 10099 | 10099' in cosim
    assert 'total execution time (cycles): 10099' in cosim
    failed = render_table(parse_cosim_rpt(data / 'hgdream_vitis2023.1_hls4ml/myproject_cosim.rpt'))
    assert 'C/RTL co-simulation: Fail (Verilog)' in failed and 'Verilog |   Fail' in failed
    csim = render_table(parse_csim_log(data / 'hgdream_vitis2023.1_hls4ml/myproject_csim.log'))
    assert csim.startswith('C simulation: FAILED\n') and "'csim_design' failed" in csim
    assert render_table(parse_csim_log(data / 'vecdot_vitis2020.1_undef/VecDotProduct_csim.log')).startswith(
        'C simulation: passed (0 errors)'
    )


def test_render_utilization_fractional_bram_and_missing_uram(data) -> None:
    text = render_table(parse_utilization_rpt(data / 'dnd_hls4ml_vivado2020.1/vivado_synth.rpt'))
    lines = text.splitlines()
    assert 'BRAM tiles (36Kb)   |   0.5 |       912 |  0.05' in lines
    assert 'BRAM_18K equivalent |     1 |      1824 |  0.05' in lines
    assert 'URAM                |     - |         - |     -' in lines
    _assert_aligned(text)


def test_render_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match='cannot render a dict'):
        render_table({})


def test_to_json_round_trips(data) -> None:
    report = parse_project(data / 'topk_sort_vitis2022.1_range')
    loaded = json.loads(to_json(report))
    assert loaded == json.loads(json.dumps(report.to_dict()))
    csynth = loaded['csynth']
    assert (csynth['top'], csynth['latency']['avg'], csynth['latency']['worst_ns']) == ('topk_sort', None, 1154060.0)
    assert csynth['loops'][1]['latency'] == [495, 10197]
    assert loaded['cosim'] is None


@pytest.mark.parametrize(
    'parse_and_path',
    [
        (parse_csynth_xml, 'vecdot_vitis2020.1_undef/VecReader_csynth.xml'),
        (parse_cosim_rpt, 'full_model_vivado2019.2_hls4ml/_cosim.rpt'),
        (parse_csim_log, 'conv2d_test_vivadohls2019.2_hls4ml/vivado_hls.log'),
        (parse_utilization_rpt, 'lfads_vivado2022.2_hls4ml/vivado_synth.rpt'),
    ],
)
def test_every_report_type_serialises(data, parse_and_path) -> None:
    parse, path = parse_and_path
    report = parse(data / path)
    assert json.loads(to_json(report))['source'] == str(data / path)
    assert render_table(report)
