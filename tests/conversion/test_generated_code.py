"""The C++ generated for our dense and convolution layers: nothing in it goes uncalled or unused, and a
convolution's code does not grow with the number of output positions that share their accumulator types."""

import re
from pathlib import Path

import pytest

from hgq_hls4ml import convert

from .models import Case, build

#: Where hls4ml's fixed template part of ``nnet_code_gen.h`` ends and the per-layer generated code begins.
GENERATED_MARK = '// hls4ml insert code'
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof'}
FUNCTION = re.compile(r'\b(\w+)\s*\((?:[^()]|\([^()]*\))*\)\s*(?:const\s*)?\{')
CLASS = re.compile(r'\b(?:class|struct)\s+(\w+)[^;{()]*\{')
TYPEDEF = re.compile(r'\btypedef\s[^;]*?\b(\w+)\s*;')


def _write(case: Case, out: Path) -> Path:
    hm = convert(build(case), out, io_type='io_parallel')
    hm.write()
    return out


def _generated(project: Path) -> str:
    """What hls4ml and the plugin generate for this model (not hls4ml's fixed library headers)."""
    fw = project / 'firmware'
    code_gen = (fw / 'nnet_utils' / 'nnet_code_gen.h').read_text()
    parts = [code_gen[code_gen.index(GENERATED_MARK) :]]
    parts += [(fw / name).read_text() for name in ('myproject.cpp', 'parameters.h', 'defines.h')]
    return '\n'.join(parts)


def _everything(project: Path) -> str:
    files = sorted((project / 'firmware').rglob('*.h')) + sorted((project / 'firmware').rglob('*.cpp'))
    files += sorted(project.glob('*_bridge.cpp'))
    return '\n'.join(p.read_text() for p in files if 'ap_types' not in p.parts)


def _defined(code: str) -> set[str]:
    names = {m.group(1) for m in FUNCTION.finditer(code)} - KEYWORDS
    return names | {m.group(1) for m in CLASS.finditer(code)} | {m.group(1) for m in TYPEDEF.finditer(code)}


def _function(code: str, name: str) -> str:
    """The definition of function ``name`` (its template line to its closing brace at column 0)."""
    start = re.search(rf'^template <[^\n]*\n[^\n]* {name}\(', code, re.M).start()
    return code[start : code.index('\n}\n', start) + 3]


@pytest.mark.parametrize('arch', ['conv1d', 'conv2d', 'conv3d', 'mlp'])
def test_every_generated_function_type_and_typedef_is_used(arch, tmp_path):
    project = _write(Case(f'{arch}_used', arch, seed=7), tmp_path / 'prj')
    generated, everything = _generated(project), _everything(project)
    assert 'fill_buffer' not in generated
    unused = sorted(name for name in _defined(generated) if len(re.findall(rf'\b{name}\b', everything)) < 2)
    assert not unused, f'defined and never used: {unused}'


def test_convolution_code_does_not_grow_with_positions(tmp_path):
    """One 'same' convolution on 12x12 and 16x16 inputs of homogeneous bit-widths: the interior positions share
    their types and the border ones differ, in the same way for both sizes, so the code is the same but for sizes:
    the only table is the type of each run of positions and filter, 3 x 3 runs (first, interior, last row and
    column) by 3 filters."""
    sizes = {}
    for n in (12, 16):
        case = Case(f'conv2d_size{n}', f'conv2d_size{n}', homogeneous=True, min_bits=1, seed=3)
        project = _write(case, tmp_path / f'prj{n}')
        code = (project / 'firmware' / 'nnet_utils' / 'nnet_code_gen.h').read_text()
        calls = (project / 'firmware' / 'myproject.cpp').read_text()
        (name,) = set(re.findall(r'\bhgq_conv2d_\w+?(?=<input_t)', calls))
        body = _function(code, name) + _function(code, f'{name}_dot')
        sizes[n] = body, len(body.splitlines())
    (small, n_small), (large, n_large) = sizes[12], sizes[16]
    tables = [re.findall(r'static const \w+ \w+ *\w+\[(\d+)\]', code) for code in (small, large)]
    assert n_small == n_large and tables[0] == tables[1] == ['27']  # 3x3 runs of positions (border) x 3 filters
    assert abs(len(small) - len(large)) < 40  # only the sizes in loop bounds and array lengths differ
