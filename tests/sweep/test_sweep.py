"""Sweeps on real Dask clusters: real conversions, g++ builds, Keras comparisons; the fake vitis_hls for synthesis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hgq_hls4ml.cli.main import main
from hgq_hls4ml.sweep import sweep
from tests.vitis.fake_tool import install_fake_vitis

GRID = {'io_type': ['io_parallel', 'io_stream']}


def test_local_cluster_of_two_workers_runs_a_sweep(checkpoints, cluster, tmp_path):
    out = tmp_path / 'out'
    result = sweep(checkpoints, GRID, random=20, output=out, scheduler=cluster.scheduler_address, progress=False)
    table = result.table
    assert result.ran == 4 and len(table) == 4 and result.all_exact
    assert set(table['verdict']) == {'BIT-EXACT'} and (table['status'] == 'done').all()
    assert list(table['metric_epoch']) == [0, 0, 1, 1] and list(table['metric_val_accuracy']) == [0.9, 0.9, 0.8, 0.8]
    assert list(table['config']) == ['io_parallel', 'io_stream'] * 2
    assert (table['ebops'] > 0).all() and (table['lut_proxy'] > 0).all() and (table['retries'] == 0).all()
    import pandas as pd

    stored = pd.read_parquet(tmp_path / 'out' / 'results.parquet')
    assert list(stored['key']) == list(table['key'])
    assert len(pd.read_csv(tmp_path / 'out' / 'results.csv')) == 4


def test_failed_conversion_is_one_row_and_a_rerun_runs_only_failed_and_missing(
    checkpoints, unsupported, cluster, tmp_path
):
    models = [*sorted(checkpoints.glob('*.keras')), unsupported]
    out = tmp_path / 'out'
    first = sweep(models, random=20, output=out, scheduler=cluster.scheduler_address, progress=False)
    assert first.ran == 3 and first.failed == 1 and not first.all_exact
    bad = first.table.set_index('model').loc['bad']
    assert bad['status'] == 'failed' and bad['error_class'] == 'UnsupportedLayerError'
    assert 'float_dense' in bad['error_message']
    assert (first.table.set_index('model').drop('bad')['verdict'] == 'BIT-EXACT').all()
    (out / 'rows' / f'{first.table["key"].iloc[0]}.json').unlink()  # a job whose row never arrived
    again = sweep(models, random=20, output=out, scheduler=cluster.scheduler_address, progress=False)
    assert (again.ran, again.skipped, len(again.table)) == (2, 1, 3)


def test_fake_vitis_fills_the_synthesis_columns_and_the_plots(checkpoints, cluster, tmp_path, monkeypatch):
    fake = install_fake_vitis(monkeypatch, tmp_path)
    result = sweep(
        checkpoints,
        {'hls_config': {'Model': {'ReuseFactor': [1, 2]}}},
        random=20,
        output=tmp_path / 'out',
        synth=True,
        vitis_path=fake.tool,
        keep_projects=True,
        scheduler=cluster.scheduler_address,
        progress=False,
        plot=True,
    )
    table = result.table
    assert result.all_exact and len(table) == 4
    # the fake's report: ece226 (Vitis 2024.1): latency 395 cycles, LUT 17966, DSP 467
    assert set(table['synth_lut']) == {17966} and set(table['synth_dsp']) == {467}
    assert set(table['synth_latency_cycles']) == {395} and (table['t_synth'] > 0).all()
    assert all((tmp_path / 'out' / 'projects' / key / 'build_prj.tcl').is_file() for key in table['key'])
    names = sorted(p.name for p in result.files if p.parent.name == 'plots')
    expected = [f'{n}.{ext}' for n in ('bits', 'latency_resources', 'pareto') for ext in ('png', 'svg')]
    assert names == expected
    for path in result.files:
        assert path.stat().st_size > 1000
    assert (tmp_path / 'out' / 'plots' / 'pareto.png').read_bytes()[:4] == b'\x89PNG'


def test_cli_runs_a_spec(checkpoints, cluster, tmp_path, capsys):
    spec = tmp_path / 'front.yml'
    spec.write_text(f'models: {checkpoints}\nrandom: 20\nconfigs:\n  io_type: [io_parallel, io_stream]\n')
    code = main(['sweep', str(spec), '--scheduler', cluster.scheduler_address, '-o', str(tmp_path / 'out')])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count('BIT-EXACT') == 4 and '4 rows (4 run now, 0 from earlier), 0 failed' in out
    assert (tmp_path / 'out' / 'results.parquet').is_file()


@pytest.mark.slow
def test_a_killed_worker_costs_its_job_one_retry(checkpoints, cluster, tmp_path):
    from distributed import Client

    result: dict = {}
    out = tmp_path / 'out'
    args = (checkpoints, {'hls_config': {'Model': {'ReuseFactor': [3]}}})
    thread = threading.Thread(
        target=lambda: result.update(
            r=sweep(*args, random=20, output=out, scheduler=cluster.scheduler_address, progress=False)
        )
    )
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
        thread.start()
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and thread.is_alive():
            busy = [w for w, keys in client.processing().items() if any(k.startswith('hgq-sweep-') for k in keys)]
            victim = busy[0] if busy else None
            time.sleep(0.05)
        assert victim is not None, 'no sweep job seen running'
        os.kill(pids[victim], signal.SIGKILL)
        thread.join()
    table = result['r'].table
    assert (table['status'] == 'done').all() and (table['verdict'] == 'BIT-EXACT').all()
    assert table['retries'].max() == 1


def _processes_mentioning(text: str) -> list[int]:
    """Processes whose command line holds ``text`` (a test's own folder: its g++ and vitis_hls runs)."""
    found = []
    for cmdline in Path('/proc').glob('[0-9]*/cmdline'):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_ctrl_c_keeps_finished_rows_leaves_no_process_and_the_rerun_runs_only_the_missing(checkpoints, tmp_path):
    """The CLI on its own local cluster, interrupted (SIGINT) once a row is stored, then run again."""
    spec = tmp_path / 'front.yml'
    out = tmp_path / 'out'
    spec.write_text(
        f'models: {checkpoints}\nrandom: 20\nworkers: 2\nkeep_projects: true\noutput: {out}\n'
        'configs:\n  hls_config:\n    Model:\n      ReuseFactor: [5, 6, 7]\n'
    )
    command = [sys.executable, '-m', 'hgq_hls4ml.cli', 'sweep', str(spec)]
    env = {**os.environ, 'HGQ_HLS4ML_NO_BUILD_CACHE': '1'}  # every job builds with g++
    proc = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rows = out / 'rows'
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline and not list(rows.glob('*.json')):
        time.sleep(0.1)
    assert proc.poll() is None, 'the sweep ended before it could be interrupted'
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()[-2000:]
    kept = len(list(rows.glob('*.json')))
    assert 1 <= kept < 6
    deadline = time.monotonic() + 30
    while _processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_mentioning(str(out))
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f'6 rows ({6 - kept} run now, {kept} from earlier), 0 failed' in again.stdout
