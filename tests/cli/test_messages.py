"""Messages of the command line: options in its own spelling, a part number that Vitis HLS would refuse."""

from __future__ import annotations

import pytest

from hgq_hls4ml.cli.config import part_warning
from hgq_hls4ml.cli.exit_codes import ExitCode
from tests.cli.helpers import error_lines


@pytest.mark.parametrize(
    'part', ['xcvu13p-flga2577-2-e', 'xcu250-figd2104-2L-e', 'xc7z020clg400-1', 'xcvc1902-vsva2197-2MP-e-S']
)
def test_part_numbers_of_every_family_pass(part):
    assert part_warning(part) is None


@pytest.mark.parametrize('part', ['banana', 'xcvu13p', 'vu13p-flga2577-2-e'])
def test_other_part_strings_are_warned_about(part):
    assert part_warning(part).startswith(f'part {part!r} does not look like an AMD/Xilinx part number')


def test_config_warns_about_an_unknown_part_and_still_writes(run_cli, models, tmp_path):
    proc = run_cli('config', models.mlp, '--part', 'banana')
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stderr.splitlines() == [f'warning: {part_warning("banana")}']
    assert 'part: banana' in proc.stdout
    assert run_cli('config', models.mlp, '--part', 'xc7z020clg400-1').stderr == ''


def test_quantize_names_until_as_the_command_line_spells_it(run_cli, models):
    proc = run_cli('quantize', models.plain, '--until', 'nope', '-o', 'q.keras')
    assert proc.returncode == ExitCode.USAGE
    [line] = error_lines(proc)
    assert line.startswith("error: --until nope: model 'plain' has no such layer"), line
