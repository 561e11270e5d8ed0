"""Locating and parsing all reports of a project directory; fixture provenance; every fixture parses."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest

from hgq_hls4ml.errors import NotBuiltError, ReportFormatError
from hgq_hls4ml.reports import (
    CosimReport,
    CsimResult,
    CsynthReport,
    ProjectReport,
    UtilizationReport,
    find_reports,
    parse_cosim_rpt,
    parse_csim_log,
    parse_csynth_rpt,
    parse_csynth_xml,
    parse_project,
    parse_utilization_rpt,
)

HGDREAM = 'hgdream_vitis2023.1_hls4ml'
SUB_MODULE = 'zeropad1d_cl_array_array_ap_ufixed_6_0_4_0_0_32u_config19'
SYN = 'myproject_prj/solution1/syn/report'
#: fixture file -> place in a fake hls4ml output directory (hgdream's HLS run, ece226's Vivado reports).
HLS4ML_LAYOUT = {
    f'{HGDREAM}/hls.app': 'myproject_prj/hls.app',
    f'{HGDREAM}/myproject_csynth.xml': f'{SYN}/myproject_csynth.xml',
    f'{HGDREAM}/myproject_csynth.rpt': f'{SYN}/myproject_csynth.rpt',
    f'{HGDREAM}/{SUB_MODULE}_s_csynth.xml': f'{SYN}/{SUB_MODULE}_s_csynth.xml',
    f'{HGDREAM}/{SUB_MODULE}_Pipeline_CopyMain_csynth.xml': f'{SYN}/{SUB_MODULE}_Pipeline_CopyMain_csynth.xml',
    f'{HGDREAM}/{SUB_MODULE}_Pipeline_CopyMain_csynth.rpt': f'{SYN}/{SUB_MODULE}_Pipeline_CopyMain_csynth.rpt',
    f'{HGDREAM}/myproject_cosim.rpt': 'myproject_prj/solution1/sim/report/myproject_cosim.rpt',
    f'{HGDREAM}/myproject_csim.log': 'myproject_prj/solution1/csim/report/myproject_csim.log',
    'ece226_vitis2024.1_hls4ml/vivado_synth.rpt': 'vivado_synth.rpt',
    'ece226_vitis2024.1_hls4ml/vivado_utilization.rpt': 'vivado_utilization.rpt',
}
HLS4ML_CONFIG = 'Backend: Vitis\nClockPeriod: 5\nProjectName: myproject\nOutputDir: hls4ml_prj\n'
#: real fixture folder -> top found without help (None: the folder does not name its top)
FIXTURE_DIRS = {
    'cl2tagger_vitis2023.2': 'JetTagger',
    'cl2tagger_vitis2023.2/JetTaggerNN_prj': 'JetTaggerNN',
    'conv2d_test_vivadohls2019.2_hls4ml': 'myproject',
    'ece226_vitis2024.1_hls4ml': 'myproject',
    'gaussian_vitis2020.2_loops': 'gaussian',
    HGDREAM: 'myproject',
    'topk_sort_vitis2022.1_range': 'topk_sort',
    'vecdot_vitis2020.1_undef': 'VecDotProduct',
    'dnd_hls4ml_vivado2020.1': None,
    'full_model_vivado2019.2_hls4ml': None,
    'lfads_vivado2022.2_hls4ml': None,
    'sha3_vivadohls2018.3_undef': None,
}
PARSERS = {
    'csynth.xml': parse_csynth_xml,
    'csynth.rpt': parse_csynth_rpt,
    'cosim.rpt': parse_cosim_rpt,
    'csim.log': parse_csim_log,
    'vivado_synth.rpt': parse_utilization_rpt,
    'vivado_utilization.rpt': parse_utilization_rpt,
    'utilization_synth.rpt': parse_utilization_rpt,
    'utilization_routed.rpt': parse_utilization_rpt,
}


def _place(data: Path, root: Path, layout: dict[str, str]) -> Path:
    for source, target in layout.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data / source, root / target)
    return root


@pytest.fixture
def hls4ml_dir(data, tmp_path) -> Path:
    """A fake hls4ml output directory made of real reports."""
    root = _place(data, tmp_path / 'hls4ml_prj', HLS4ML_LAYOUT)
    (root / 'hls4ml_config.yml').write_text(HLS4ML_CONFIG)
    return root


def test_find_reports_in_hls4ml_output_dir(hls4ml_dir) -> None:
    sol = hls4ml_dir / 'myproject_prj/solution1'
    assert find_reports(hls4ml_dir) == {
        'csynth': sol / 'syn/report/myproject_csynth.xml',
        'csynth_rpt': sol / 'syn/report/myproject_csynth.rpt',
        'cosim': sol / 'sim/report/myproject_cosim.rpt',
        'csim': sol / 'csim/report/myproject_csim.log',
        'utilization_synth': hls4ml_dir / 'vivado_synth.rpt',
        'utilization_impl': hls4ml_dir / 'vivado_utilization.rpt',
    }


@pytest.mark.smoke
def test_parse_hls4ml_output_dir(hls4ml_dir) -> None:
    report = parse_project(hls4ml_dir)
    assert isinstance(report, ProjectReport)
    assert (report.top, report.project_dir) == ('myproject', str(hls4ml_dir))
    assert report.csynth.top == 'myproject' and report.csynth.resources.lut == 339116  # not a sub-module
    assert (report.cosim.status, report.csim.passed) == ('Fail', False)
    assert (report.utilization_synth.design_state, report.utilization_impl.design_state) == ('Optimized', 'Routed')
    assert json.loads(json.dumps(report.to_dict()))['csynth']['latency']['best'] == 695


def test_top_from_hls4ml_config_without_app(hls4ml_dir) -> None:
    (hls4ml_dir / 'myproject_prj/hls.app').unlink()
    assert parse_project(hls4ml_dir).csynth.resources.lut == 339116


def test_sub_module_reports_are_not_mistaken_for_the_top(hls4ml_dir) -> None:
    """With nothing naming the top, several ``*_csynth.xml`` are ambiguous: an error, never a guess."""
    (hls4ml_dir / 'hls4ml_config.yml').unlink()
    solution = hls4ml_dir / 'myproject_prj/solution1'
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(solution))}: cannot tell the top .*myproject, '):
        parse_project(solution)
    assert parse_project(solution, top='myproject').csynth.resources.lut == 339116
    sub = parse_project(solution, top=f'{SUB_MODULE}_Pipeline_CopyMain')
    assert sub.csynth.top == f'{SUB_MODULE}_Pipeline_CopyMain' and sub.cosim is None


def test_hls_project_dir_directly(hls4ml_dir) -> None:
    report = parse_project(hls4ml_dir / 'myproject_prj')
    assert report.top == 'myproject' and report.cosim.status == 'Fail'
    assert report.utilization_synth is None  # the Vivado reports sit in the hls4ml output dir, one level up


def test_csynth_from_rpt_when_xml_is_missing(hls4ml_dir) -> None:
    (hls4ml_dir / SYN / 'myproject_csynth.xml').unlink()
    report = parse_project(hls4ml_dir)
    assert report.csynth.source.endswith('myproject_csynth.rpt')
    assert (report.csynth.latency.best, report.csynth.latency.avg) == (695, None)


def test_missing_parts_are_none(hls4ml_dir) -> None:
    for name in ('myproject_prj/solution1/sim', 'myproject_prj/solution1/csim'):
        shutil.rmtree(hls4ml_dir / name)
    (hls4ml_dir / 'vivado_utilization.rpt').unlink()
    report = parse_project(hls4ml_dir)
    assert (report.cosim, report.csim, report.utilization_impl) == (None, None, None)
    assert report.csynth is not None and report.utilization_synth is not None


def test_vivado_hls_layout(data, tmp_path) -> None:
    src, zeropad = 'conv2d_test_vivadohls2019.2_hls4ml', 'zeropad2d_cl_me_ap_fixed_ap_fixed_config4_s_csynth.xml'
    root = _place(
        data,
        tmp_path / 'out',
        {
            f'{src}/vivado_hls.app': 'myproject_prj/vivado_hls.app',
            f'{src}/myproject_csynth.xml': f'{SYN}/myproject_csynth.xml',
            f'{src}/{zeropad}': f'{SYN}/{zeropad}',
            f'{src}/myproject_cosim.rpt': 'myproject_prj/solution1/sim/report/myproject_cosim.rpt',
            f'{src}/myproject_csim.log': 'myproject_prj/solution1/csim/report/myproject_csim.log',
        },
    )
    report = parse_project(root)
    assert (report.top, report.csynth.tool, report.csynth.latency.avg) == ('myproject', 'Vivado HLS', 1268)
    assert (report.cosim.latency_max, report.csim.passed) == (965, True)


def test_active_solution_and_export_design_reports(data, tmp_path) -> None:
    """sha3 used solution ``NDT_a``; export_design writes ``<top>_utilization_{synth,routed}.rpt`` under impl/."""
    top = 'pqcrystals_fips202_ref_sha3_256'
    src = f'sha3_vivadohls2018.3_undef/{top}'
    root = _place(
        data,
        tmp_path / 'SHA',
        {
            f'{src}_csynth.xml': f'NDT_a/syn/report/{top}_csynth.xml',
            'sha3_vivadohls2018.3_undef/keccak_absorb_csynth.xml': 'NDT_a/syn/report/keccak_absorb_csynth.xml',
            f'{src}_cosim.rpt': f'NDT_a/sim/report/{top}_cosim.rpt',
            f'{src}_csim.log': f'NDT_a/csim/report/{top}_csim.log',
            f'{src}_utilization_synth.rpt': f'NDT_a/impl/vhdl/report/{top}_utilization_synth.rpt',
            f'{src}_utilization_routed.rpt': f'NDT_a/impl/vhdl/report/{top}_utilization_routed.rpt',
        },
    )
    (root / 'vivado_hls.app').write_text(
        f'<project xmlns="com.autoesl.autopilot.project" top="{top}" name="SHA"><solutions xmlns="">'
        '<solution name="solution1" status=""/><solution name="NDT_a" status="active"/></solutions></project>\n'
    )
    report = parse_project(root)
    assert (report.top, report.csynth.resources.lut, report.cosim.rtl) == (top, 39365, 'VHDL')
    assert (report.utilization_synth.lut.used, report.utilization_impl.design_state) == (12355, 'Fully Placed')


def test_cosim_report_with_empty_top_name(data, tmp_path) -> None:
    root = _place(
        data,
        tmp_path / 'out',
        {
            'full_model_vivado2019.2_hls4ml/_cosim.rpt': 'myproject_prj/solution1/sim/report/_cosim.rpt',
            'full_model_vivado2019.2_hls4ml/vivado_synth.rpt': 'vivado_synth.rpt',
        },
    )
    (root / 'hls4ml_config.yml').write_text(HLS4ML_CONFIG)
    (root / 'myproject_prj/hls.app').write_text('<project top="myproject"><solution name="solution1"/></project>')
    report = parse_project(root)
    assert (report.cosim.status, report.csynth, report.utilization_synth.uram.used) == ('Fail', None, 115)


@pytest.mark.parametrize('name', sorted(FIXTURE_DIRS))
def test_real_fixture_folders(data, name: str) -> None:
    top = FIXTURE_DIRS[name]
    if top is None:
        message = rf'^{re.escape(str(data / name))}: .*; give its name with --top NAME \(in Python: top=NAME\)$'
        with pytest.raises(ReportFormatError, match=message):
            parse_project(data / name)
        return
    report = parse_project(data / name)
    assert report.top == top and report.csynth.top == top


@pytest.mark.parametrize(
    ('name', 'top', 'found'),
    [
        ('dnd_hls4ml_vivado2020.1', 'myproject', {'utilization_synth'}),
        ('full_model_vivado2019.2_hls4ml', 'myproject', {'cosim', 'utilization_synth'}),
        (
            'sha3_vivadohls2018.3_undef',
            'pqcrystals_fips202_ref_sha3_256',
            {'csynth', 'csynth_rpt', 'cosim', 'csim', 'utilization_synth', 'utilization_impl'},
        ),
    ],
)
def test_real_fixture_folders_with_explicit_top(data, name: str, top: str, found: set[str]) -> None:
    assert set(find_reports(data / name, top=top)) == found
    assert parse_project(data / name, top=top).top == top


def test_empty_directory(tmp_path) -> None:
    with pytest.raises(ReportFormatError, match=rf'^{re.escape(str(tmp_path))}: no HLS report .*hls\.app.*csynth\.xml'):
        parse_project(tmp_path)
    with pytest.raises(ReportFormatError) as info:
        find_reports(tmp_path, top='foo')
    looked = (
        'foo_cosim.rpt, foo_csim.log, foo_csynth.rpt, foo_csynth.xml, foo_utilization_routed.rpt, '
        'foo_utilization_synth.rpt, vivado_synth.rpt, vivado_utilization.rpt'
    )
    assert str(info.value) == (
        f"{tmp_path}: no reports for top 'foo' (looked for {looked} in {tmp_path}); "
        'if the top function has another name, give it with --top NAME (in Python: top=NAME)'
    )


def test_converted_but_unbuilt_project(tmp_path) -> None:
    """hls4ml wrote ``build_prj.tcl`` but no HLS project directory yet: the error says to build it."""
    (tmp_path / 'build_prj.tcl').write_text('# written by hls4ml\n')
    (tmp_path / 'hls4ml_config.yml').write_text(HLS4ML_CONFIG)
    with pytest.raises(NotBuiltError, match=rf'^{re.escape(str(tmp_path))}: the project has not been built yet'):
        parse_project(tmp_path)
    (tmp_path / 'myproject_prj').mkdir()  # the build started: reports are merely missing
    with pytest.raises(ReportFormatError, match="no reports for top 'myproject'") as info:
        parse_project(tmp_path)
    assert not isinstance(info.value, NotBuiltError)


def test_aggregate_csynth_xml_alone(data, tmp_path) -> None:
    """A folder holding only Vitis's aggregate ``csynth.xml``: it names the top and is that top's report."""
    shutil.copyfile(data / 'ece226_vitis2024.1_hls4ml/csynth.xml', tmp_path / 'csynth.xml')
    assert find_reports(tmp_path) == {'csynth': tmp_path / 'csynth.xml'}
    assert parse_project(tmp_path).csynth.resources.lut == 17966
    with pytest.raises(ReportFormatError, match="no reports for top 'other'"):
        find_reports(tmp_path, top='other')  # not the report of another top


def test_not_a_directory(tmp_path) -> None:
    with pytest.raises(ReportFormatError, match='not a directory'):
        parse_project(tmp_path / 'nope')


def test_malformed_app_file(hls4ml_dir) -> None:
    (hls4ml_dir / 'myproject_prj/hls.app').write_text('<AutoPilot:project top="myproject"')
    with pytest.raises(ReportFormatError, match=r'hls\.app: malformed or truncated XML'):
        parse_project(hls4ml_dir)


def test_every_fixture_folder_is_covered(fixture_files) -> None:
    folders = {str(Path(name).parent) for name in fixture_files('*') if name.endswith(('.xml', '.rpt', '.log'))}
    assert folders == set(FIXTURE_DIRS)
    assert {str(Path(app).parent) for app in fixture_files('*.app')} <= set(FIXTURE_DIRS)


def _mutations(content: bytes, rng: random.Random) -> list[bytes]:
    """Truncations, dropped lines and garbled lines of a file."""
    lines = content.splitlines(keepends=True)
    dropped = [line for line in lines if rng.random() > 0.05]
    garbled = list(lines)
    garbled[rng.randrange(len(lines))] = bytes(rng.choice(b'|+-?~x0 <>') for _ in range(rng.randint(0, 40)))
    return [content[: rng.randrange(len(content))], b''.join(dropped), b''.join(garbled)]


def test_any_file_through_any_parser_gives_a_result_or_report_format_error(data, fixture_files, tmp_path) -> None:
    """Real files of the wrong kind and mutated copies never raise anything but ``ReportFormatError``."""
    rng = random.Random(1234)
    parsers = set(PARSERS.values()) | {parse_csynth_rpt}
    for name in sorted(fixture_files('*')):
        content = (data / name).read_bytes()
        for index, variant in enumerate([content, *_mutations(content, rng)]):
            path = tmp_path / f'{index}_{Path(name).name}'
            path.write_bytes(variant)
            for parse in parsers:
                try:
                    parse(path)
                except ReportFormatError as exc:
                    assert str(exc).startswith(f'{path}: ')


def test_fixture_copies_are_byte_identical_to_shared(data, shared, fixture_files) -> None:
    if not shared.is_dir():
        pytest.skip(f'{shared} not present')
    for name in fixture_files('*'):
        assert (data / name).read_bytes() == (shared / name).read_bytes(), name


def test_every_fixture_of_a_known_kind_parses(data, fixture_files) -> None:
    """Every real report named like one a parser reads parses to that parser's report (how fast is for
    ``benchmarks/``, not for a test: a loaded machine makes any time bound flaky)."""
    kinds = {
        parse_csynth_xml: CsynthReport,
        parse_csynth_rpt: CsynthReport,
        parse_cosim_rpt: CosimReport,
        parse_csim_log: CsimResult,
        parse_utilization_rpt: UtilizationReport,
    }
    jobs = [
        (parser, data / name)
        for name in sorted(fixture_files('*'))
        for suffix, parser in PARSERS.items()
        if name.endswith(suffix) and not name.endswith('/csynth.rpt')
    ]
    assert len(jobs) >= 40
    for parser, path in jobs:
        assert isinstance(parser(path), kinds[parser]), path
