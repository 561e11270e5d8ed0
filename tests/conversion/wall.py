"""g++ ``-Wall`` on a written hls4ml project: the warnings located in the C++ hls4ml and this plugin generate."""

import subprocess
from pathlib import Path

#: Files written per project (our generated layers go to nnet_code_gen.h); warnings in ap_types or hls4ml's
#: nnet_utils headers are upstream's.
GENERATED = ('myproject.cpp', 'myproject.h', 'parameters.h', 'defines.h', 'nnet_code_gen.h')


def generated_code_warnings(project: Path) -> list[str]:
    """Warnings ``g++ -Wall`` reports inside the generated files (HLS pragmas, unknown to g++, are not counted)."""
    cmd = [
        'g++',
        '-std=c++14',
        '-fsyntax-only',
        '-Wall',
        '-Wno-unknown-pragmas',
        '-Ifirmware/ap_types',
        '-Ifirmware',
        'firmware/myproject.cpp',
    ]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    return [line for line in lines if 'warning:' in line and Path(line.split(':')[0]).name in GENERATED]
