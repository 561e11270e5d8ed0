"""Sweeps on real Dask clusters: real conversions, g++ builds, Keras comparisons; the fake vitis_hls for synthesis."""

from __future__ import annotations

import os
import signal
import threading
import time

from hgq_hls4ml.sweep import sweep
from tests.vitis.fake_tool import install_fake_vitis

GRID = {'io_type': ['io_parallel', 'io_stream']}


def test_local_cluster_of_two_workers_runs_a_sweep(checkpoints, tmp_path):
    result = sweep(checkpoints, GRID, random=20, output=tmp_path / 'out', workers=2, progress=False)
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
