"""The YAML config: validation and round trip of ``hgq_hls4ml.cli.config``, and ``config`` -> edit -> ``convert``."""

from __future__ import annotations

import re

import pytest

from hgq_hls4ml.cli.config import (
    ProjectConfig,
    check_layer_names,
    dump_config,
    load_config,
    merge_hls_config,
    validate_config,
    with_overrides,
)
from hgq_hls4ml.errors import ConfigError
from tests.cli.helpers import error_lines

FULL = {
    'backend': 'Vivado',
    'io_type': 'io_stream',
    'part': 'xc7z020clg400-1',
    'clock_period': 7.5,
    'project_name': 'tagger',
    'input_precision': 'ap_fixed<10,5>',
    'hls_config': {
        'Model': {'Precision': {'default': 'fixed<16,6>'}, 'ReuseFactor': 2, 'Strategy': 'Resource', 'BramFactor': 0},
        'LayerName': {'q_dense': {'ReuseFactor': 4}, 'q_dense_1': {}},
    },
}


def test_dump_and_load_round_trip(tmp_path):
    config = validate_config(FULL, 'full.yml')
    text = dump_config(config, model_name='m', layer_notes={'q_dense': 'QDense'})
    path = tmp_path / 'cfg.yml'
    path.write_text(text)
    assert load_config(path) == ProjectConfig(**FULL, source=str(path))
    assert 'q_dense:  # QDense' in text
    assert '      # ReuseFactor: 2' in text  # q_dense_1 shows the Model value, commented out
    for key in ('backend', 'io_type', 'part', 'clock_period', 'project_name', 'input_precision', 'hls_config'):
        before = text.split(f'\n{key}:')[0].splitlines()
        assert before[-1].startswith('#'), f'{key} has no comment above it'


def test_empty_file_gives_defaults(tmp_path):
    path = tmp_path / 'empty.yml'
    path.write_text('# nothing set\n')
    config = load_config(path)
    assert config.convert_kwargs() == {
        'backend': 'Vitis',
        'io_type': 'io_parallel',
        'part': 'xcvu13p-flga2577-2-e',
        'clock_period': 5,
        'project_name': 'myproject',
        'input_precision': None,
    }
    assert config.hls_config == {}


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        ('clockperiod: 3\n', "cfg.yml: unknown key 'clockperiod' (did you mean 'clock_period'? allowed: backend,"),
        ('clock_period: fast\n', "cfg.yml: clock_period must be a positive number (nanoseconds); got 'fast'"),
        ('clock_period: -2\n', 'cfg.yml: clock_period must be a positive number'),
        ('io_type: io_serial\n', "cfg.yml: io_type must be one of io_parallel, io_stream; got 'io_serial'"),
        ('backend: Quartus\n', 'cfg.yml: backend must be one of Vitis, Vivado'),
        ('project_name: 3x\n', 'cfg.yml: project_name must be a C identifier'),
        ('part: 7\n', 'cfg.yml: part must be a non-empty string; got 7'),
        (
            "input_precision: 'ap_fixed<8>'\n",
            "cfg.yml: input_precision has 'ap_fixed<8>': expected e.g. ap_fixed<10,5>",
        ),
        ('input_precision: 3\n', 'cfg.yml: input_precision must be a port type such as ap_fixed<10,5>'),
        ('hls_config: [1]\n', 'cfg.yml: hls_config must be a mapping'),
        ('hls_config: {Models: {}}\n', "cfg.yml: unknown key 'hls_config.Models' (did you mean 'Model'?"),
        ('hls_config: {Model: {ReuseFactor: 0}}\n', 'cfg.yml: hls_config.Model.ReuseFactor must be an integer >= 1'),
        ('hls_config: {Model: {ReuseFactor: true}}\n', 'hls_config.Model.ReuseFactor must be an integer >= 1'),
        (
            'hls_config: {Model: {Strategy: fast}}\n',
            'hls_config.Model.Strategy must be one of Latency, Resource, distributed_arithmetic',
        ),
        (
            'hls_config: {LayerName: {d: {Precision: 3}}}\n',
            'cfg.yml: hls_config.LayerName.d.Precision must be a type string such as fixed<16,6>',
        ),
        (
            'hls_config: {LayerName: {d: {Bits: 3}}}\n',
            "cfg.yml: unknown key 'hls_config.LayerName.d.Bits' (allowed: Precision, ReuseFactor, Strategy)",
        ),
        ('hls_config: {LayerName: {d: 3}}\n', 'cfg.yml: hls_config.LayerName.d must be a mapping'),
        ('- a\n- b\n', 'cfg.yml: the top level must be a mapping'),
        ('part: [1, 2\n', 'cfg.yml: not valid YAML (line 2, column 1): expected'),
    ],
)
def test_invalid_config_names_file_and_key(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'cfg.yml').write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config('cfg.yml')
    assert message in str(info.value)
    assert '\n' not in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match='nope.yml: configuration file not found'):
        load_config(tmp_path / 'nope.yml')


def test_overrides_layer_names_and_merge():
    config = validate_config(FULL, 'full.yml')
    assert with_overrides(config, part=None, clock_period=3).clock_period == 3
    assert with_overrides(config, part=None).part == 'xc7z020clg400-1'
    with pytest.raises(ConfigError, match='command line: clock_period must be a positive number'):
        with_overrides(config, clock_period=0)
    check_layer_names(config, ['q_dense', 'q_dense_1', 'q_dense_2'], 'm')
    with pytest.raises(ConfigError, match=r"full.yml: hls_config.LayerName.q_dense_1: model 'm' has no layer"):
        check_layer_names(config, ['q_dense'], 'm')
    with pytest.raises(ConfigError) as info:
        check_layer_names(config, ['d'], 'm')
    assert str(info.value).splitlines() == [
        'full.yml: 2 problems:',
        "  - hls_config.LayerName.q_dense: model 'm' has no layer 'q_dense' (layers: d)",
        "  - hls_config.LayerName.q_dense_1: model 'm' has no layer 'q_dense_1' (layers: d)",
    ]
    defaults = {
        'Model': {'Precision': {'default': 'fixed<16,6>'}, 'ReuseFactor': 1, 'Strategy': 'Latency'},
        'LayerName': {
            'q_dense': {'Precision': {'result': 'auto'}, 'ReuseFactor': 1, 'Trace': False},
            'q_dense_2': {'Precision': {'result': 'auto'}, 'ReuseFactor': 1},
        },
    }
    merged = merge_hls_config(defaults, config.hls_config)
    assert merged['Model']['ReuseFactor'] == 2 and merged['Model']['Strategy'] == 'Resource'
    assert merged['LayerName']['q_dense'] == {'Precision': {'result': 'auto'}, 'ReuseFactor': 4, 'Trace': False}
    assert merged['LayerName']['q_dense_2'] == {'Precision': {'result': 'auto'}}  # the Model value applies
    assert defaults['LayerName']['q_dense']['ReuseFactor'] == 1  # inputs untouched


def test_config_edit_convert_round_trip(run_cli, models, tmp_path):
    proc = run_cli('config', models.mlp, '-o', 'cfg.yml')
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / 'cfg.yml'
    generated = load_config(path)
    assert generated.hls_config['Model'] == {
        'Precision': {'default': 'fixed<16,6>'},
        'ReuseFactor': 1,
        'Strategy': 'Latency',
    }
    assert list(generated.hls_config['LayerName']) == ['q_dense', 'q_dense_relu', 'q_dense_1', 'q_dense_2']
    text = path.read_text()
    assert 'q_dense:  # QDense' in text and 'q_dense_relu:  # activation of q_dense' in text

    text = re.sub(r'(?m)^part: .*$', 'part: xc7z020clg400-1', text)
    text = re.sub(r'(?m)^clock_period: .*$', 'clock_period: 7.5', text)
    text = re.sub(r'(?m)^project_name: .*$', 'project_name: tagger', text)
    text = text.replace('q_dense:  # QDense\n      # ReuseFactor: 1', 'q_dense:  # QDense\n      ReuseFactor: 3')
    path.write_text(text)
    assert load_config(path).hls_config['LayerName']['q_dense'] == {'ReuseFactor': 3}

    refused = run_cli('config', models.mlp, '-o', 'cfg.yml')
    assert refused.returncode == 2
    assert error_lines(refused) == ["error: 'cfg.yml' exists; pass --force to overwrite it"]

    out = tmp_path / 'prj'
    proc = run_cli('convert', models.mlp, '-o', out, '--config', 'cfg.yml', '--io-type', 'io_stream')
    assert proc.returncode == 0, proc.stderr
    tcl = (out / 'project.tcl').read_text()
    assert 'set part "xc7z020clg400-1"' in tcl and 'set clock_period 7.5' in tcl
    assert 'set project_name "tagger"' in tcl
    assert (out / 'firmware' / 'tagger.cpp').is_file()
    params = (out / 'firmware' / 'parameters.h').read_text()
    assert params.count('reuse_factor = 3;') == 1  # q_dense only; the others keep the Model value 1
    assert 'IOType: io_stream' in (out / 'hls4ml_config.yml').read_text()  # the command line wins
