"""The sweep's parts that need no cluster: checkpoint names, the grid, the spec, the store's lock, the extras."""

from __future__ import annotations

import sys

import pytest

from hgq_hls4ml.errors import ConfigError, SweepLockedError
from hgq_hls4ml.sweep import checkpoint_metrics, expand_grid, load_spec, sweep
from hgq_hls4ml.sweep.plot import non_dominated
from hgq_hls4ml.sweep.store import ResultStore


def test_checkpoint_names_of_hgq2_pareto_front(checkpoints):
    names = sorted(p.name for p in checkpoints.glob('*.keras'))
    assert names == ['epoch=0_val_accuracy=0.9_ebops=120.0.keras', 'epoch=1_val_accuracy=0.8_ebops=60.0.keras']
    assert checkpoint_metrics(names[1]) == {'epoch': 1, 'val_accuracy': 0.8, 'ebops': 60.0}
    assert checkpoint_metrics('epoch=3_loss=1e-05_val_acc=-inf.keras') == {
        'epoch': 3,
        'loss': 1e-05,
        'val_acc': float('-inf'),
    }
    assert checkpoint_metrics('model.keras') == {}


def test_grid_is_every_combination_and_lists_every_problem():
    model = {'ReuseFactor': [1, 4], 'Strategy': 'Latency'}
    grid = expand_grid({'io_type': ['io_parallel', 'io_stream'], 'hls_config': {'Model': model}})
    assert [c.label for c in grid] == ['io_parallel RF1', 'io_parallel RF4', 'io_stream RF1', 'io_stream RF4']
    assert grid[3].columns()['reuse_factor'] == 4 and grid[3].project.io_type == 'io_stream'
    assert expand_grid({'hls_config': {'Model': {'Strategy': 'distributed_arithmetic'}}})[0].label == 'default'
    with pytest.raises(ConfigError) as err:
        expand_grid({'io_typ': 'io_stream', 'hls_config': {'Model': {'ReuseFactor': [0, 2], 'Strategy': 'Fast'}}})
    text = str(err.value)
    assert '3 problems' in text and "did you mean 'io_type'" in text and 'got 0' in text and "'Fast'" in text


def test_spec_paths_and_errors(tmp_path):
    spec = tmp_path / 'front.yml'
    spec.write_text('models: ckpts\nrandom: 10\nconfigs: {io_type: [io_parallel, io_stream]}\n')
    kwargs = load_spec(spec)
    assert kwargs['models'] == [tmp_path / 'ckpts'] and kwargs['output'] == tmp_path / 'front_results'
    spec.write_text('random: 0\nworkerz: 2\ncluster: {type: pbs}\n')
    with pytest.raises(ConfigError) as err:
        load_spec(spec)
    assert 'random must be an integer >= 1' in str(err.value) and "'workerz'" in str(err.value)
    assert 'models is missing' in str(err.value)


def test_second_sweep_into_a_folder_in_use_is_refused(tmp_path, checkpoints):
    with ResultStore(tmp_path / 'out'):
        with pytest.raises(SweepLockedError, match='in use by another sweep'):
            sweep(checkpoints, random=4, output=tmp_path / 'out')
    assert not list((tmp_path / 'out' / 'rows').iterdir())


def test_missing_extra_is_named(monkeypatch, checkpoints, tmp_path):
    monkeypatch.setitem(sys.modules, 'pyarrow', None)
    with pytest.raises(ImportError, match=r"pip install 'hgq-hls4ml\[sweep\]'"):
        sweep(checkpoints, random=4, output=tmp_path)


def test_non_dominated():
    assert non_dominated([1, 2, 3, 2], [0.5, 0.9, 0.8, 0.4]) == [True, True, False, False]


def test_jobqueue_clusters_write_job_scripts():
    pytest.importorskip('dask_jobqueue')
    from hgq_hls4ml.sweep.cluster import check_cluster_section, jobqueue_cluster

    spec = check_cluster_section(
        {'type': 'slurm', 'jobs': 3, 'cores': 4, 'memory': '8GB', 'walltime': '01:00:00', 'queue': 'fpga'}, 'spec'
    )
    slurm = jobqueue_cluster(spec)
    try:
        script = slurm.job_script()
    finally:
        slurm.close()
    assert '#SBATCH -p fpga' in script and '#SBATCH -t 01:00:00' in script and '--nworkers 4' in script
    assert '--nthreads 1' in script
    spec = check_cluster_section({'type': 'htcondor', 'cores': 2, 'memory': '4GB', 'disk': '1GB'}, 'spec')
    condor = jobqueue_cluster(spec)
    try:
        script = condor.job_script()
    finally:
        condor.close()
    assert 'RequestCpus = MY.DaskWorkerCores' in script and '--nworkers 2' in script
    with pytest.raises(ConfigError, match='cluster.type must be one of slurm, htcondor'):
        check_cluster_section({'type': 'pbs'}, 'spec')


@pytest.mark.parametrize('terminal', [True, False])
def test_progress_shows_counts_and_dashboard_on_a_terminal_only(terminal):
    import io

    from rich.console import Console

    from hgq_hls4ml.sweep.progress import SweepProgress

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=terminal, width=120, color_system=None)
    with SweepProgress(4, skipped=2, dashboard='http://127.0.0.1:8787/status', console=console) as progress:
        progress.update(done=3, running=1, failed=1)
    text = stream.getvalue()
    if terminal:
        assert 'http://127.0.0.1:8787/status' in text and '2 job(s) already' in text
        assert '3/4' in text and 'running 1, failed 1' in text and 'ETA' in text
    else:
        assert text == ''
