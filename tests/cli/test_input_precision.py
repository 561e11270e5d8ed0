"""``--input-precision`` (and the YAML key ``input_precision``): the detector's format as the input port, through
``convert`` and ``verify`` on the saved ``mlp`` model (RND/SAT quantizers, up to 3 integer and 6 fractional bits)."""

from __future__ import annotations

import re

import numpy as np

from tests.cli.helpers import error_lines
from tests.conversion.models import keras_outputs

#: Exact for the model: at least its integer bits, fractional bits f + 1, saturating.
EXACT = 'ap_fixed<16,6,AP_TRN,AP_SAT>'
#: Fewer integer bits than the quantizers', a rounding port: the firmware differs on some float inputs.
COARSE = 'ap_fixed<10,3,AP_RND,AP_SAT>'


def _input_type(prj) -> str:
    """The input port type in the written firmware (``typedef ... input_t;``)."""
    defines = (prj / 'firmware' / 'defines.h').read_text()
    return re.search(r'typedef (.+) input_t;', defines).group(1)


def test_convert_writes_the_given_port(run_cli, models, tmp_path):
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'prj', '--input-precision', EXACT)
    assert proc.returncode == 0, proc.stderr
    assert _input_type(tmp_path / 'prj') == 'ap_fixed<16,6,AP_TRN,AP_SAT,0>'
    assert 'InputPortWarning' not in proc.stderr


def test_convert_without_it_writes_the_narrowest_exact_port(run_cli, models, tmp_path):
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'prj')
    assert proc.returncode == 0, proc.stderr
    width = int(re.match(r'ap_u?fixed<(\d+),', _input_type(tmp_path / 'prj')).group(1))
    assert width <= 11


def test_verify_counts_the_outputs_a_coarse_port_changes(run_cli, models, tmp_path):
    x = np.random.default_rng(7).normal(0, 4, (40, 10)).astype(np.float32)
    x[:10] = np.round(x[:10] * 8) / 16
    np.save(tmp_path / 'x.npy', x)
    from hgq_hls4ml.cli.inputs import load_model

    keras_outputs(load_model(models.mlp), x)
    proc = run_cli('verify', models.mlp, '--data', 'x.npy', '--input-precision', COARSE)
    assert proc.returncode == 0, proc.stderr  # every difference is the port's
    assert 'InputPortWarning' in proc.stderr and 'q_dense elements' in proc.stderr
    assert proc.stdout.splitlines()[1].startswith('EXACT ON THE PORT FORMAT: ')
    found = re.search(
        r'input port type given \(input_layer: (.+?)\): (\d+) output elements differ .* (\d+) otherwise', proc.stdout
    )
    assert found and found.group(1) == COARSE and int(found.group(2)) > 0 and found.group(3) == '0'

    proc = run_cli('verify', models.mlp, '--data', 'x.npy', '--input-precision', EXACT)
    assert proc.returncode == 0, proc.stderr
    assert 'BIT-EXACT: 120/120 output elements equal' in proc.stdout


def test_a_port_that_cannot_feed_the_model_is_refused_before_writing(run_cli, models, tmp_path):
    out = tmp_path / 'prj'
    proc = run_cli('convert', models.mlp, '-o', out, '--input-precision', 'ap_fixed<8,5>')
    assert proc.returncode == 2
    (line, *_) = error_lines(proc)
    assert "error: input 'input_layer': port type ap_fixed<8,5> cannot feed the model" in line
    assert 'Smallest format that works with these integer bits and modes: ap_fixed<11,5>' in proc.stderr
    assert not out.exists()  # no empty folder left behind either


def test_bad_port_types_and_options(run_cli, models, tmp_path):
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'a', '--input-precision', 'float')
    assert proc.returncode == 2
    assert error_lines(proc) == [
        "error: command line: input_precision has 'float': expected e.g. ap_fixed<10,5> or ap_ufixed<8,3,AP_RND,AP_SAT>"
    ]
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'b', '--input-precision', 'nope=ap_fixed<16,6>')
    assert proc.returncode == 2
    assert "names 'nope', not an input of model 'mlp' (inputs: input_layer)" in error_lines(proc)[0]
    proc = run_cli(
        'convert', models.mlp, '-o', tmp_path / 'c', '--input-precision', EXACT, '--input-precision', 'a=fixed<8,3>'
    )
    assert proc.returncode == 2 and 'NAME=TYPE per input, not both' in error_lines(proc)[0]


def test_yaml_config_gives_the_port_and_the_command_line_wins(run_cli, models, tmp_path):
    (tmp_path / 'cfg.yml').write_text(f"input_precision: '{EXACT}'\n")
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'a', '--config', 'cfg.yml')
    assert proc.returncode == 0, proc.stderr
    assert _input_type(tmp_path / 'a') == 'ap_fixed<16,6,AP_TRN,AP_SAT,0>'
    proc = run_cli(
        'convert',
        models.mlp,
        '-o',
        tmp_path / 'b',
        '--config',
        'cfg.yml',
        '--input-precision',
        'input_layer=fixed<12,5,TRN,SAT>',
    )
    assert proc.returncode == 0, proc.stderr
    assert _input_type(tmp_path / 'b') == 'ap_fixed<12,5,AP_TRN,AP_SAT,0>'
    proc = run_cli('config', models.mlp)
    assert '# input_precision: ap_fixed<10,5>' in proc.stdout
