"""The C-simulation build of our projects (``hgq_hls4ml.csim.build_script``): the library hls4ml's ``compile()``
loads comes from the build cache when the project's sources are unchanged, is rebuilt when they change, the cache
can be switched off, the result stays bit-exact, and projects the plugin did not convert keep hls4ml's script.

Whether g++ ran is read from a ``g++`` first on ``PATH`` that logs its arguments and runs the real one."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import hls4ml
import keras
import numpy as np
import pytest

from hgq_hls4ml import convert
from hgq_hls4ml.csim.build_script import CACHE_DIR_ENV, MARK, NO_CACHE_ENV

from ..conversion.models import Case, assert_bit_exact, build, inputs

CASE = Case('mlp_cache', 'mlp', seed=4)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    path = tmp_path / 'cache'
    monkeypatch.setenv(CACHE_DIR_ENV, str(path))
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    return path


@pytest.fixture
def gxx(tmp_path, monkeypatch):
    """``gxx()``: how many compile or link commands g++ has run so far (other calls only probe the compiler)."""
    real = shutil.which('g++')
    assert real, 'the tests need g++'
    bin_dir, log = tmp_path / 'bin', tmp_path / 'gxx.log'
    bin_dir.mkdir()
    (bin_dir / 'g++').write_text(f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\nexec {shlex.quote(real)} "$@"\n')
    (bin_dir / 'g++').chmod(0o755)
    monkeypatch.setenv('PATH', f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')

    def builds() -> int:
        lines = log.read_text().splitlines() if log.exists() else []
        return sum(1 for line in lines if {'-c', '-shared'} & set(line.split()))

    return builds


def _cached(cache: Path) -> list[Path]:
    return sorted((cache / 'csim').glob('*.so'))


def _run_script(prj: Path) -> None:
    subprocess.run(['./build_lib.sh'], cwd=prj, check=True, capture_output=True)


@pytest.mark.smoke
def test_unchanged_project_is_not_recompiled(tmp_path, cache, gxx):
    model = build(CASE)
    hm = convert(model, tmp_path / 'prj')
    hm.compile()
    first = gxx()
    assert first >= 3 and len(_cached(cache)) == 1  # two translation units and a link at least
    hm.compile()  # hls4ml writes the project again, with a new stamp: the same sources
    assert gxx() == first
    assert_bit_exact(model, inputs(model), hls_model=hm)  # compiles a third time, from the cache
    assert gxx() == first
    assert len(list((tmp_path / 'prj' / 'firmware').glob('myproject-*.so'))) == 3


def test_changed_source_is_recompiled(tmp_path, cache, gxx):
    hm = convert(build(CASE), tmp_path / 'prj')
    hm.compile()
    first = gxx()
    params = tmp_path / 'prj' / 'firmware' / 'parameters.h'
    params.write_text(params.read_text() + '\n// changed\n')
    _run_script(tmp_path / 'prj')
    assert gxx() > first
    assert len(_cached(cache)) == 2


def test_cache_can_be_switched_off(tmp_path, cache, gxx, monkeypatch):
    hm = convert(build(CASE), tmp_path / 'prj')
    hm.compile()
    first = gxx()
    monkeypatch.setenv(NO_CACHE_ENV, '1')
    hm.compile()
    assert gxx() == 2 * first  # built again although the cache holds this library
    assert len(_cached(cache)) == 1


def test_cached_library_reads_its_own_projects_weights(tmp_path, cache, gxx):
    """Another project with the same sources takes the cached library; that one finds the weights next to itself
    when loaded (firmware/weights), not in the project that built it (deleted here)."""
    model = build(CASE)
    convert(model, tmp_path / 'a').compile()
    first = gxx()
    hm = convert(model, tmp_path / 'b')
    hm.compile()
    assert gxx() == first
    shutil.rmtree(tmp_path / 'a')
    assert_bit_exact(model, inputs(model), hls_model=hm)


def _upstream_script(prj: Path, stamp: str) -> str:
    template = Path(hls4ml.__file__).parent / 'templates' / 'vivado' / 'build_lib.sh'
    return template.read_text().replace('myproject', 'myproject').replace('mystamp', stamp)


def test_projects_of_other_graphs_keep_hls4ml_script(tmp_path):
    """A Keras model without HGQ2 layers converts through hls4ml alone: its build_lib.sh is hls4ml's."""
    inp = keras.Input((4,))
    model = keras.Model(inp, keras.layers.Dense(2)(inp))
    hm = hls4ml.converters.convert_from_keras_model(model, output_dir=str(tmp_path / 'prj'), backend='Vitis')
    hm.write()
    stamp = hm.config.get_config_value('Stamp')
    assert (tmp_path / 'prj' / 'build_lib.sh').read_text() == _upstream_script(tmp_path / 'prj', stamp)


def test_disabled_plugin_keeps_hls4ml_script(tmp_path):
    """With ``HGQ_HLS4ML_DISABLE=1`` hls4ml converts an HGQ2 model itself: hls4ml's build_lib.sh."""
    model = build(CASE)
    model.save(tmp_path / 'model.keras')
    code = (
        'import keras, hgq, hls4ml\n'
        f'm = keras.models.load_model({str(tmp_path / "model.keras")!r})\n'
        f'hm = hls4ml.converters.convert_from_keras_model(m, output_dir={str(tmp_path / "prj")!r}, backend="Vitis")\n'
        'hm.write()\n'
        "print(hm.config.get_config_value('Stamp'))\n"
    )
    env = {**os.environ, 'KERAS_BACKEND': 'jax', 'HGQ_HLS4ML_DISABLE': '1'}
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    stamp = res.stdout.split()[-1]
    script = (tmp_path / 'prj' / 'build_lib.sh').read_text()
    assert MARK not in script and script == _upstream_script(tmp_path / 'prj', stamp)


def test_only_the_csim_script_changes(tmp_path):
    """Our project's HLS build files are hls4ml's; its build_lib.sh is ours, for the same project and stamp."""
    hm = convert(build(CASE), tmp_path / 'prj')
    hm.write()
    prj, templates = tmp_path / 'prj', Path(hls4ml.__file__).parent / 'templates'
    assert (prj / 'build_prj.tcl').read_text() == (templates / 'vitis' / 'build_prj.tcl').read_text()
    script = (prj / 'build_lib.sh').read_text()
    assert MARK in script
    assert f'LIB_STAMP={hm.config.get_config_value("Stamp")}\n' in script and 'PROJECT=myproject\n' in script
    assert np.all([os.access(prj / 'build_lib.sh', os.X_OK)])
