"""Co-simulation report and C-simulation log parsing against tests/data/reports/EXPECTED.md."""

from __future__ import annotations

import re

import pytest

from hgq_hls4ml.errors import ReportFormatError
from hgq_hls4ml.reports import CosimReport, CsimResult, parse_cosim_rpt, parse_csim_log

NA6 = (None,) * 6
#: file -> (overall status, {RTL: status}, RTL carrying the result, latency min/avg/max + interval min/avg/max,
#: total execution time, simulation tool)
COSIM_EXPECTED = {
    'conv2d_test_vivadohls2019.2_hls4ml/myproject_cosim.rpt': (
        'Pass',
        {'VHDL': 'NA', 'Verilog': 'Pass'},
        'Verilog',
        (965, 965, 965, None, None, None),
        None,
        'xsim',
    ),
    'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_cosim.rpt': (
        'Pass',
        {'VHDL': 'Pass', 'Verilog': 'NA'},
        'VHDL',
        (509, 509, 509, None, None, None),
        None,
        'xsim',
    ),
    'vecdot_vitis2020.1_undef/VecDotProduct_cosim.rpt': (
        'Pass',
        {'VHDL': 'NA', 'Verilog': 'Pass'},
        'Verilog',
        (10099, 10099, 10099, None, None, None),
        10099,
        'xsim',
    ),
    'hgdream_vitis2023.1_hls4ml/myproject_cosim.rpt': (
        'Fail',
        {'VHDL': 'NA', 'Verilog': 'Fail'},
        'Verilog',
        NA6,
        None,
        None,
    ),
    'full_model_vivado2019.2_hls4ml/_cosim.rpt': (
        'Fail',
        {'VHDL': 'NA', 'Verilog': 'Fail'},
        'Verilog',
        NA6,
        None,
        None,
    ),
}
#: file -> (passed, errors, message)
CSIM_EXPECTED = {
    'conv2d_test_vivadohls2019.2_hls4ml/myproject_csim.log': (True, 0, 'INFO: [SIM 1] CSim done with 0 errors.'),
    'sha3_vivadohls2018.3_undef/pqcrystals_fips202_ref_sha3_256_csim.log': (
        True,
        0,
        'INFO: [SIM 1] CSim done with 0 errors.',
    ),
    'vecdot_vitis2020.1_undef/VecDotProduct_csim.log': (True, 0, 'INFO: [SIM 1] CSim done with 0 errors.'),
    'conv2d_test_vivadohls2019.2_hls4ml/vivado_hls.log': (True, 0, 'INFO: [SIM 211-1] CSim done with 0 errors.'),
    'vecdot_vitis2020.1_undef/solution1.log': (True, 0, 'INFO: [SIM 211-1] CSim done with 0 errors.'),
    'hgdream_vitis2023.1_hls4ml/myproject_csim.log': (
        False,
        None,
        "ERR: [SIM 100] 'csim_design' failed: compilation error(s).",
    ),
}
#: Logs that hold no csim result: hls4ml testbench outputs and a vitis_hls.log that stopped before csim.
NOT_CSIM_LOGS = (
    'conv2d_test_vivadohls2019.2_hls4ml/csim_results.log',
    'conv2d_test_vivadohls2019.2_hls4ml/rtl_cosim_results.log',
    'lfads_vivado2022.2_hls4ml/vitis_hls.log',
)
COSIM_TEMPLATE = 'conv2d_test_vivadohls2019.2_hls4ml/myproject_cosim.rpt'


def _cosim_row(language: str, status: str, values: tuple[object, ...]) -> str:
    """A result row in the tools' layout (10-wide RTL/status cells, 15-wide numbers)."""
    return f'|{language:>10}|{status:>10}|' + ''.join(f'{value:>15}|' for value in values)


def test_every_cosim_and_log_fixture_is_covered(fixture_files) -> None:
    assert fixture_files('*cosim.rpt') == set(COSIM_EXPECTED)
    assert fixture_files('*.log') == set(CSIM_EXPECTED) | set(NOT_CSIM_LOGS)


@pytest.mark.parametrize('name', sorted(COSIM_EXPECTED))
def test_cosim_values(data, name: str) -> None:
    status, rtl_status, rtl, numbers, total, tool = COSIM_EXPECTED[name]
    report = parse_cosim_rpt(data / name)
    assert isinstance(report, CosimReport)
    assert (report.status, report.rtl_status, report.rtl) == (status, rtl_status, rtl)
    assert (
        report.latency_min,
        report.latency_avg,
        report.latency_max,
        report.interval_min,
        report.interval_avg,
        report.interval_max,
    ) == numbers
    assert (report.total_execution_time, report.simulation_tool) == (total, tool)


def test_cosim_total_matches_lat_rpt(data) -> None:
    """The 9-column total equals ``$TOTAL_EXECUTE_TIME`` of the simulator's own ``lat.rpt``."""
    lat = dict(re.findall(r'^\$(\w+) = "(\d+)"', (data / 'vecdot_vitis2020.1_undef/lat.rpt').read_text(), re.M))
    report = parse_cosim_rpt(data / 'vecdot_vitis2020.1_undef/VecDotProduct_cosim.rpt')
    assert report.total_execution_time == int(lat['TOTAL_EXECUTE_TIME'])
    assert (report.latency_min, report.latency_avg, report.latency_max) == tuple(
        int(lat[key]) for key in ('MIN_LATENCY', 'AVER_LATENCY', 'MAX_LATENCY')
    )


@pytest.mark.parametrize(
    ('vhdl', 'verilog', 'status', 'rtl', 'latency'),
    [
        ('Pass', 'NA', 'Pass', 'VHDL', (12, 13, 14)),
        ('NA', 'Pass', 'Pass', 'Verilog', (20, 21, 22)),
        ('Pass', 'Fail', 'Fail', 'Verilog', (20, 21, 22)),
        ('NA', 'NA', 'NA', None, (None, None, None)),
    ],
)
def test_cosim_overall_status(data, tmp_path, vhdl: str, verilog: str, status: str, rtl: str | None, latency) -> None:
    text = (data / COSIM_TEMPLATE).read_text()
    rows = {
        'VHDL': _cosim_row('VHDL', vhdl, (12, 13, 14, 5, 6, 7)),
        'Verilog': _cosim_row('Verilog', verilog, (20, 21, 22, 'NA', 'NA', 'NA')),
    }
    for language, row in rows.items():
        text = re.sub(rf'^\|\s+{language}\|.*$', row, text, flags=re.M)
    path = tmp_path / 'top_cosim.rpt'
    path.write_text(text)
    report = parse_cosim_rpt(path)
    assert (report.status, report.rtl, (report.latency_min, report.latency_avg, report.latency_max)) == (
        status,
        rtl,
        latency,
    )
    assert report.rtl_status == {'VHDL': vhdl, 'Verilog': verilog}


@pytest.mark.parametrize('name', sorted(CSIM_EXPECTED))
def test_csim_values(data, name: str) -> None:
    report = parse_csim_log(data / name)
    assert isinstance(report, CsimResult)
    assert (report.passed, report.errors, report.message) == CSIM_EXPECTED[name]


@pytest.mark.parametrize(
    ('text', 'passed', 'errors', 'message'),
    [
        ('ERR: [SIM 1] CSim done with 3 errors.\n', False, 3, 'ERR: [SIM 1] CSim done with 3 errors.'),
        (
            'INFO: [SIM 211-1] CSim done with 0 errors.\n'
            "@E Simulation failed: Function 'main' returns nonzero value '1'.\n"
            "ERROR: [SIM 211-100] 'csim_design' failed: nonzero return value.\n",
            False,
            None,
            "ERROR: [SIM 211-100] 'csim_design' failed: nonzero return value.",
        ),
        (
            'ERR: [SIM 100] failed\nINFO: [SIM 1] CSim done with 0 errors.\n',
            True,
            0,
            'INFO: [SIM 1] CSim done with 0 errors.',
        ),
    ],
)
def test_csim_last_run_counts(tmp_path, text: str, passed: bool, errors: int | None, message: str) -> None:
    path = tmp_path / 'top_csim.log'
    path.write_text(text)
    assert parse_csim_log(path) == CsimResult(passed, errors, message, str(path))


@pytest.mark.parametrize('name', NOT_CSIM_LOGS)
def test_logs_without_csim_result(data, name: str) -> None:
    with pytest.raises(ReportFormatError, match=rf"^{re.escape(str(data / name))}: no 'CSim done with N errors'"):
        parse_csim_log(data / name)


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('truncated_cosim.rpt', r'no RTL result rows .*; not a cosim report'),
        ('bad_status_cosim.rpt', "unknown cosim status 'Maybe' for Verilog"),
        ('empty_csynth.xml', 'empty file'),
        ('missing_cosim.rpt', 'cannot read report'),
    ],
)
def test_bad_cosim(malformed, name: str, message: str) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(malformed / name))}: {message}'):
        parse_cosim_rpt(malformed / name)


def test_cosim_parser_rejects_a_csynth_report(data) -> None:
    with pytest.raises(ReportFormatError, match='unknown cosim status'):
        parse_cosim_rpt(data / 'vecdot_vitis2020.1_undef/VecReader_csynth.rpt')


@pytest.mark.parametrize('name', ['truncated_csim.log', 'empty_csynth.xml'])
def test_bad_csim(malformed, name: str) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(malformed / name))}: '):
        parse_csim_log(malformed / name)
