"""C-synthesis report parsing: every real ``*csynth*`` fixture against the values in tests/data/reports/EXPECTED.md."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

from hgq_hls4ml.errors import ReportFormatError
from hgq_hls4ml.reports import CsynthReport, LoopLatency, Resources, parse_csynth_rpt, parse_csynth_xml


@dataclass
class Expected:
    """One EXPECTED.md entry. ``clock`` is (target, uncertainty, estimated); resources are
    (BRAM_18K, DSP, FF, LUT, URAM); ``loops`` rows are (name, trip, latency, iteration latency, II, depth)."""

    version: str
    top: str
    part: str
    family: str
    flow_target: str | None
    clock: tuple[float, float, float]
    pipeline_type: str
    latency: tuple[int | None, int | None, int | None]
    interval: tuple[int | None, int | None]
    throughput: tuple[int | None, int | None] | None
    resources: tuple[int | None, ...]
    available: tuple[int | None, ...]
    loops: list[tuple] = field(default_factory=list)


UNDEF = (None, None)
ZEROPAD2D_XML = 'conv2d_test_vivadohls2019.2_hls4ml/zeropad2d_cl_me_ap_fixed_ap_fixed_config4_s_csynth.xml'
ZU9 = dict(part='xczu9eg-ffvb1156-2-e', family='zynquplus', flow_target=None, available=(1824, 2520, 548160, 274080, 0))
ZU49 = dict(
    part='xczu49dr-ffvf1760-2-e',
    family='zynquplusRFSOC',
    flow_target='vivado',
    available=(2160, 4272, 850560, 425280, 80),
)
A7 = dict(
    part='xc7a75tlftg256-2l',
    family='artix7l',
    flow_target=None,
    clock=(10.0, 1.25, 7.44),
    pipeline_type='none',
    latency=(None, None, None),
    interval=UNDEF,
    throughput=None,
    available=(210, 180, 94400, 47200, None),
)
ZU7 = dict(
    part='xczu7ev-ffvc1156-2-e', family='zynquplus', flow_target='vivado', available=(624, 1728, 460800, 230400, 96)
)
U250 = dict(
    version='2024.1',
    top='myproject',
    part='xcu250-figd2104-2L-e',
    family='virtexuplus',
    flow_target='vivado',
    clock=(5.0, 1.35, 3.53),
    pipeline_type='dataflow',
    latency=(395, 395, 395),
    interval=(390, 390),
    throughput=(390, 390),
    resources=(29, 467, 7123, 17966, 0),
    available=(5376, 12288, 3456000, 1728000, 1280),
)
TOPK = dict(
    version='2022.1',
    top='topk_sort',
    part='xck26-sfvc784-2LV-c',
    family='zynquplus',
    flow_target='vivado',
    clock=(10.0, 2.7, 2.598),
    pipeline_type='no',
    latency=(105704, None, 115406),
    interval=(105705, 115407),
    throughput=None,
    resources=(0, 0, 13040, 11733, 0),
    available=(288, 1248, 234240, 117120, 64),
    loops=[
        ('VITIS_LOOP_30_2', (1000, 1000), (105000, 105000), (105, 105), None, None),
        ('VITIS_LOOP_57_4', (99, 99), (495, 10197), (5, 103), None, None),
    ],
)

XML_EXPECTED = {
    'cl2tagger_vitis2023.2/JetTaggerNN_prj/JetTaggerNN_csynth.xml': Expected(
        version='2023.2',
        top='JetTaggerNN',
        part='xcvu9p-flga2104-2L-e',
        family='virtexuplus',
        flow_target='vivado',
        clock=(2.80, 0.35, 2.435),
        pipeline_type='dataflow',
        latency=(78, 78, 80),
        interval=(23, 24),
        throughput=(23, 24),
        resources=(10, 667, 197198, 370104, 0),
        available=(4320, 6840, 2364480, 1182240, 960),
    ),
    'cl2tagger_vitis2023.2/JetTagger_csynth.xml': Expected(
        version='2023.2',
        top='JetTagger',
        part='xcvu13p-flga2577-2-e',
        family='virtexuplus',
        flow_target='vivado',
        clock=(2.00, 0.54, 1.659),
        pipeline_type='yes',
        latency=(167, 167, 167),
        interval=(15, 15),
        throughput=None,
        resources=(10, 2011, 568773, 871201, 0),
        available=(5376, 12288, 3456000, 1728000, 1280),
    ),
    'conv2d_test_vivadohls2019.2_hls4ml/myproject_csynth.xml': Expected(
        version='2019.2',
        top='myproject',
        clock=(5.0, 0.62, 3.77),
        pipeline_type='dataflow',
        latency=(243, 1268, 2293),
        interval=(227, 2277),
        throughput=(227, 2277),
        resources=(4, 8, 4187, 8722, 0),
        **ZU9,
    ),
    ZEROPAD2D_XML: Expected(
        version='2019.2',
        top='zeropad2d_cl_me_ap_fixed_ap_fixed_config4_s',
        clock=(5.0, 0.62, 1.838),
        pipeline_type='none',
        latency=(203, 203, 203),
        interval=(203, 203),
        throughput=None,
        resources=(0, 0, 62, 354, 0),
        **ZU9,
        loops=[
            ('PadTopWidth', (5, 5), (40, 40), (8, 8), None, None),
            ('PadMain', (3, 3), (120, 120), (40, 40), None, None),
            ('PadBottomWidth', (5, 5), (40, 40), (8, 8), None, None),
        ],
    ),
    'ece226_vitis2024.1_hls4ml/csynth.xml': Expected(**U250),
    'ece226_vitis2024.1_hls4ml/myproject_csynth.xml': Expected(**U250),
    'gaussian_vitis2020.2_loops/gaussian_csynth.xml': Expected(
        version='2020.2',
        top='gaussian',
        clock=(10.0, 2.7, 6.427),
        pipeline_type='none',
        latency=(262673, 262673, 262673),
        interval=(262674, 262674),
        throughput=None,
        resources=(3, 0, 973, 1870, 0),
        **ZU7,
        loops=[
            ('buf_x1', (2, 2), (2, 2), None, 1, 1),
            ('buf_x2', (512, 512), (512, 512), None, 1, 1),
            ('win_y_win_x', (4, 4), (5, 5), None, 1, 2),
            ('for_y_for_x', (262144, 262144), (262146, 262146), None, 1, 4),
        ],
    ),
    'hgdream_vitis2023.1_hls4ml/myproject_csynth.xml': Expected(
        version='2023.1',
        top='myproject',
        clock=(5.0, 1.35, 3.649),
        pipeline_type='dataflow',
        latency=(695, 695, 695),
        interval=(578, 578),
        throughput=(578, 578),
        resources=(332, 29, 65881, 339116, 0),
        **ZU49,
    ),
    'hgdream_vitis2023.1_hls4ml/zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_Pipeline_CopyMain_csynth.xml': Expected(
        version='2023.1',
        top='zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_Pipeline_CopyMain',
        clock=(5.0, 1.35, 3.273),
        pipeline_type='no',
        latency=(82, 82, 82),
        interval=(82, 82),
        throughput=None,
        resources=(0, 0, 10, 88, 0),
        **ZU49,
        loops=[('CopyMain', (80, 80), (80, 80), None, 1, 2)],
    ),
    'hgdream_vitis2023.1_hls4ml/zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_s_csynth.xml': Expected(
        version='2023.1',
        top='zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_s',
        clock=(5.0, 1.35, 3.273),
        pipeline_type='no',
        latency=(84, 84, 84),
        interval=(84, 84),
        throughput=None,
        resources=(0, 0, 16, 169, 0),
        **ZU49,
    ),
    'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml': Expected(
        version='2018.3',
        top='keccak_absorb',
        resources=(3, 0, 3983, 19873, None),
        **A7,
        loops=[
            ('memset_t', (200, 200), (199, 199), (1, 1), None, None),
            ('keccak_absorb_label6', (25, 25), (25, 25), (1, 1), None, None),
            ('keccak_absorb_label7', UNDEF, UNDEF, (150, 150), None, None),
            ('keccak_absorb_label4', UNDEF, UNDEF, (2, 2), None, None),
            ('keccak_absorb_label5', (17, 17), (85, 85), (5, 5), None, None),
        ],
    ),
    'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_csynth.xml': Expected(
        version='2018.3',
        top='pqcrystals_fips202_ref_sha3_256',
        resources=(10, 0, 7568, 39365, None),
        **A7,
        loops=[('Loop1', (17, 17), (85, 85), (5, 5), None, None)],
    ),
    'topk_sort_vitis2022.1_range/csynth.xml': Expected(**TOPK),
    'topk_sort_vitis2022.1_range/topk_sort_csynth.xml': Expected(**TOPK),
    'vecdot_vitis2020.1_undef/VecDotProduct_csynth.xml': Expected(
        version='2020.1',
        top='VecDotProduct',
        clock=(10.0, 2.7, 7.3),
        pipeline_type='dataflow',
        latency=(None, None, None),
        interval=UNDEF,
        throughput=UNDEF,
        resources=(34, 0, 3726, 5322, 0),
        **ZU7,
    ),
    'vecdot_vitis2020.1_undef/VecReader_csynth.xml': Expected(
        version='2020.1',
        top='VecReader',
        clock=(10.0, 2.7, 7.3),
        pipeline_type='none',
        latency=(1, None, None),
        interval=(1, None),
        throughput=None,
        resources=(0, 0, 236, 221, 0),
        **ZU7,
        loops=[('VITIS_LOOP_4_1', UNDEF, (2, None), None, 1, 3)],
    ),
}

#: ``<top>_csynth.rpt`` -> the XML of the same run.
RPT_TO_XML = {
    'cl2tagger_vitis2023.2/JetTagger_csynth.rpt': 'cl2tagger_vitis2023.2/JetTagger_csynth.xml',
    'conv2d_test_vivadohls2019.2_hls4ml/myproject_csynth.rpt': 'conv2d_test_vivadohls2019.2_hls4ml/myproject_csynth.xml',
    'conv2d_test_vivadohls2019.2_hls4ml/zeropad2d_cl_me_ap_fixed_ap_fixed_config4_s_csynth.rpt': 'conv2d_test_vivadohls2019.2_hls4ml/zeropad2d_cl_me_ap_fixed_ap_fixed_config4_s_csynth.xml',
    'ece226_vitis2024.1_hls4ml/myproject_csynth.rpt': 'ece226_vitis2024.1_hls4ml/myproject_csynth.xml',
    'gaussian_vitis2020.2_loops/gaussian_csynth.rpt': 'gaussian_vitis2020.2_loops/gaussian_csynth.xml',
    'hgdream_vitis2023.1_hls4ml/myproject_csynth.rpt': 'hgdream_vitis2023.1_hls4ml/myproject_csynth.xml',
    'hgdream_vitis2023.1_hls4ml/zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_Pipeline_CopyMain_csynth.rpt': 'hgdream_vitis2023.1_hls4ml/zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19_Pipeline_CopyMain_csynth.xml',
    'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.rpt': 'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml',
    'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_csynth.rpt': 'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_csynth.xml',
    'topk_sort_vitis2022.1_range/topk_sort_csynth.rpt': 'topk_sort_vitis2022.1_range/topk_sort_csynth.xml',
    'vecdot_vitis2020.1_undef/VecDotProduct_csynth.rpt': 'vecdot_vitis2020.1_undef/VecDotProduct_csynth.xml',
    'vecdot_vitis2020.1_undef/VecReader_csynth.rpt': 'vecdot_vitis2020.1_undef/VecReader_csynth.xml',
}
SUMMARY_RPT = 'gaussian_vitis2020.2_loops/csynth.rpt'
UNITS_NS = {'ns': 1.0, 'us': 1e3, 'ms': 1e6}


def _resources(values: tuple[int | None, ...]) -> Resources:
    return Resources(*values)


def _loop_rows(loops: list[LoopLatency]) -> list[tuple]:
    return [(lp.name, lp.trip_count, lp.latency, lp.iteration_latency, lp.ii, lp.pipeline_depth) for lp in loops]


def test_every_csynth_fixture_is_covered(fixture_files) -> None:
    assert fixture_files('*csynth.xml') == set(XML_EXPECTED)
    assert fixture_files('*csynth.rpt') == set(RPT_TO_XML) | {SUMMARY_RPT}


@pytest.mark.parametrize('name', sorted(XML_EXPECTED))
def test_csynth_xml_values(data, name: str) -> None:
    exp = XML_EXPECTED[name]
    report = parse_csynth_xml(data / name)
    assert isinstance(report, CsynthReport)
    assert (report.version, report.top, report.part, report.family) == (exp.version, exp.top, exp.part, exp.family)
    assert report.tool == ('Vivado HLS' if exp.version < '2020' else 'Vitis HLS')
    assert report.flow_target == exp.flow_target
    target, uncertainty, estimated = exp.clock
    assert report.clock_target_ns == pytest.approx(target)
    assert report.clock_uncertainty_ns == pytest.approx(uncertainty)
    assert report.clock_estimated_ns == pytest.approx(estimated)
    assert report.pipeline_type == exp.pipeline_type
    assert (report.latency.best, report.latency.avg, report.latency.worst) == exp.latency
    assert (report.interval_min, report.interval_max) == exp.interval
    assert report.dataflow_throughput == exp.throughput
    assert report.resources == _resources(exp.resources)
    assert report.available == _resources(exp.available)
    assert _loop_rows(report.loops) == exp.loops
    assert report.source == str(data / name)


@pytest.mark.parametrize('name', sorted(XML_EXPECTED))
def test_latency_ns_uses_target_clock_like_the_tool(data, name: str) -> None:
    """Our ns values agree with the tool's own ``*RealTimeLatency`` (written by 2020.1+ with the target clock)."""
    report = parse_csynth_xml(data / name)
    assert report.latency.clock_period_ns == report.clock_target_ns
    summary = ET.parse(data / name).getroot().find('PerformanceEstimates/SummaryOfOverallLatency')
    for case, ours in (
        ('Best', report.latency.best_ns),
        ('Average', report.latency.avg_ns),
        ('Worst', report.latency.worst_ns),
    ):
        tool = summary.findtext(f'{case}-caseRealTimeLatency')
        match = re.fullmatch(r'([\d.]+) (ns|us|ms)', tool or '')
        if match is None:
            assert tool in (None, 'undef') and (tool is None or ours is None)
            continue
        scale = UNITS_NS[match.group(2)]
        assert ours == pytest.approx(float(match.group(1)) * scale, abs=0.0005 * scale)


def test_utilization_percent_computed(data) -> None:
    report = parse_csynth_xml(data / 'ece226_vitis2024.1_hls4ml/myproject_csynth.xml')
    assert report.utilization == {'bram_18k': 0.54, 'dsp': 3.8, 'ff': 0.21, 'lut': 1.04, 'uram': 0.0}
    no_uram = parse_csynth_xml(data / 'conv2d_test_vivadohls2019.2_hls4ml/myproject_csynth.xml')
    assert no_uram.utilization['uram'] is None  # 0 available
    artix = parse_csynth_xml(data / 'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml')
    assert artix.utilization['uram'] is None and artix.utilization['lut'] == 42.1


def test_nested_loops_are_kept_as_sub_loops(data) -> None:
    sha3 = parse_csynth_xml(data / 'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml')
    label7 = sha3.loops[2]
    assert _loop_rows(label7.sub_loops) == [('keccak_absorb_label0', (17, 17), (85, 85), (5, 5), None, None)]
    zeropad = parse_csynth_xml(data / ZEROPAD2D_XML)
    assert _loop_rows(zeropad.loops[1].sub_loops) == [('CopyMain', (3, 3), (24, 24), (8, 8), None, None)]


def test_aggregate_csynth_xml_matches_top_report(data) -> None:
    for folder, name in (('ece226_vitis2024.1_hls4ml', 'myproject'), ('topk_sort_vitis2022.1_range', 'topk_sort')):
        top = parse_csynth_xml(data / folder / f'{name}_csynth.xml')
        aggregate = parse_csynth_xml(data / folder / 'csynth.xml')
        assert aggregate.to_dict() | {'source': None} == top.to_dict() | {'source': None}


@pytest.mark.parametrize('rpt', sorted(RPT_TO_XML))
def test_csynth_rpt_matches_xml(data, rpt: str) -> None:
    text, xml = parse_csynth_rpt(data / rpt), parse_csynth_xml(data / RPT_TO_XML[rpt])
    same = (
        'tool',
        'version',
        'top',
        'part',
        'family',
        'clock_target_ns',
        'clock_estimated_ns',
        'clock_uncertainty_ns',
        'pipeline_type',
        'interval_min',
        'interval_max',
        'resources',
        'available',
        'utilization',
    )
    assert {key: getattr(text, key) for key in same} == {key: getattr(xml, key) for key in same}
    assert (text.latency.best, text.latency.worst, text.latency.best_ns, text.latency.worst_ns) == (
        xml.latency.best,
        xml.latency.worst,
        xml.latency.best_ns,
        xml.latency.worst_ns,
    )
    assert text.latency.avg is None  # the text report has no average
    if rpt.startswith('vecdot_vitis2020.1_undef/VecReader'):
        # the text shows the unknown trip count as '1 ~ ?' where the XML says 'undef'
        assert text.loops[0].trip_count == (1, None) and xml.loops[0].trip_count == (None, None)
        xml.loops[0].trip_count = text.loops[0].trip_count
    assert text.loops == xml.loops


def test_csynth_rpt_undef_and_range_cells(data) -> None:
    sha3 = parse_csynth_rpt(data / 'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_csynth.rpt')
    assert (sha3.latency.best, sha3.interval_max, sha3.resources.uram) == (None, None, None)
    assert sha3.loops[0].name == 'Loop1'  # 'Loop 1' in the text, as in the XML
    topk = parse_csynth_rpt(data / 'topk_sort_vitis2022.1_range/topk_sort_csynth.rpt')
    assert topk.loops[1].iteration_latency == (5, 103)


def test_summary_csynth_rpt_is_rejected_with_advice(data) -> None:
    with pytest.raises(ReportFormatError, match=r'csynth\.rpt: .*Synthesis Summary Report.*<top>_csynth\.xml'):
        parse_csynth_rpt(data / SUMMARY_RPT)


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('empty_csynth.xml', 'empty file'),
        ('truncated_csynth.xml', 'malformed or truncated XML'),
        ('wrong_root_csynth.xml', r'no <PerformanceEstimates> element; not a csynth report \(root <foo>\)'),
        ('unknown_version_csynth.xml', 'tool version 2017.4 is outside the supported range 2018.3-2024.2'),
        ('bad_number_csynth.xml', "expected a number, found 'lots'"),
        ('no_area_csynth.xml', 'no <AreaEstimates> element'),
        ('not_a_report.rpt', 'malformed or truncated XML'),
        ('missing_csynth.xml', 'cannot read report'),
    ],
)
def test_bad_csynth_xml(malformed, name: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(malformed / name))}: {message}'):
        parse_csynth_xml(malformed / name)


@pytest.mark.parametrize(
    ('version', 'message'),
    [
        ('', "unknown tool version ''"),
        ('v2020', "unknown tool version 'v2020'"),
        ('2025.1', 'tool version 2025.1 is outside the supported range'),
    ],
)
def test_unknown_versions(data, tmp_path, version: str, message: str) -> None:
    text = (data / 'gaussian_vitis2020.2_loops/gaussian_csynth.xml').read_text()
    path = tmp_path / 'x_csynth.xml'
    path.write_text(text.replace('<Version>2020.2</Version>', f'<Version>{version}</Version>'))
    with pytest.raises(ReportFormatError, match=f'x_csynth.xml: {message}'):
        parse_csynth_xml(path)


def test_range_where_a_number_is_expected(data, tmp_path) -> None:
    text = (data / 'gaussian_vitis2020.2_loops/gaussian_csynth.xml').read_text()
    path = tmp_path / 'x_csynth.xml'
    path.write_text(
        text.replace(
            '<Interval-min>262674</Interval-min>',
            '<Interval-min><range><min>1</min><max>2</max></range></Interval-min>',
        )
    )
    with pytest.raises(ReportFormatError, match='<Interval-min> holds the range 1..2'):
        parse_csynth_xml(path)


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('empty_csynth.xml', 'empty file'),
        ('truncated_csynth.rpt', "no '== Utilization Estimates' section found"),
        ('not_a_report.rpt', "no '== Vivado HLS/Vitis HLS Report for' title"),
        ('wrong_root_csynth.xml', r'no .* title; not a csynth \.rpt report'),
    ],
)
def test_bad_csynth_rpt(malformed, name: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(malformed / name))}: {message}'):
        parse_csynth_rpt(malformed / name)


@pytest.mark.parametrize('fraction', [0.1, 0.5, 0.9])
@pytest.mark.parametrize('name', sorted(XML_EXPECTED))
def test_truncated_real_xml_is_a_report_format_error(data, tmp_path, name: str, fraction: float) -> None:
    content = (data / name).read_bytes()
    path = tmp_path / 'cut_csynth.xml'
    path.write_bytes(content[: int(len(content) * fraction)])
    with pytest.raises(ReportFormatError, match='cut_csynth.xml: '):
        parse_csynth_xml(path)


@pytest.mark.parametrize('fraction', [0.1, 0.5, 0.99])
@pytest.mark.parametrize('name', sorted(RPT_TO_XML))
def test_truncated_real_rpt_is_a_report_format_error(data, tmp_path, name: str, fraction: float) -> None:
    """Cut anywhere before the utilization 'Available' row, a text report is rejected, not half-parsed."""
    lines = (data / name).read_text().splitlines(keepends=True)
    available = next(i for i, line in enumerate(lines) if line.startswith('|Available  '))
    path = tmp_path / 'cut_csynth.rpt'
    path.write_text(''.join(lines[: int(available * fraction)]))
    with pytest.raises(ReportFormatError, match='cut_csynth.rpt: '):
        parse_csynth_rpt(path)
