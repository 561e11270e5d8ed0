"""``benchmarks/run.py --quick`` runs end to end (real conversions and g++ builds of both converters)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark(tmp_path):
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'benchmarks' / 'run.py'), '--quick', '--json', str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data['models'] and data['total']['models'] == len(data['models'])
    for row in data['models']:
        assert f'== {row["name"]}:' in proc.stdout
        ours, upstream = row['ours'], row['upstream']
        assert 'error' not in ours, ours
        assert ours['plugin_active'] and ours['bit_exact']
        assert ours['cost']['total']['luts'] > 0 and ours['compile_s'] > 0 and ours['peak_mb'] > 0
        assert 'error' in upstream or not upstream['plugin_active']
    assert '== TOTAL' in proc.stdout
