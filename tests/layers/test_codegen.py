"""The shared C++ generation of our per-element layers (``hgq_hls4ml.layers.codegen``): helpers are in one static
header, included only where used, they are out of line for g++ in the C simulation but inlined for Vitis HLS, and
io_stream pixels that differ get one function per distinct pattern."""

import re
import shutil
import subprocess

import pytest

from hgq_hls4ml.layers.codegen import (
    CSIM_NOINLINE,
    FROM_RAW,
    HELPER_HEADER,
    QUANTIZE_TO,
    QUANTIZE_VIA,
    helper_header,
    stream_source,
    with_helper_header,
)


def _stmt(key, src: str, dst: str) -> str:
    return f'{QUANTIZE_TO}<ap_fixed<{key},1>>({src}, {dst});'


def test_helpers_are_in_one_header_included_once_at_global_scope():
    header = helper_header()
    assert header.count(f'#define {CSIM_NOINLINE} ') + header.count(f'#define {CSIM_NOINLINE}\n') == 2  # one #ifdef
    for helper in (QUANTIZE_TO, QUANTIZE_VIA, FROM_RAW):
        assert header.count(f' {helper}(') == 1
    assert header.index(f'#define {CSIM_NOINLINE}') < header.index(f'void {QUANTIZE_TO}(')
    code_gen = '#ifndef NNET_INSTR_GEN_H_\nnamespace nnet {\n}\n'
    included = with_helper_header(code_gen)
    assert included == f'#include "{HELPER_HEADER}"\n{code_gen}' and with_helper_header(included) == included


@pytest.mark.skipif(shutil.which('g++') is None, reason='needs g++')
@pytest.mark.parametrize('synthesis', [False, True])
def test_casts_are_out_of_line_for_csim_and_inlined_for_vitis(synthesis, tmp_path):
    """The preprocessed helpers: ``noinline`` for g++ only; Vitis HLS (``__SYNTHESIS__``) sees the same function
    with its ``#pragma HLS INLINE``, as if ``y = T(x)`` were written in place."""
    (tmp_path / HELPER_HEADER).write_text(helper_header().replace('#include "ap_fixed.h"\n#include "ap_int.h"\n', ''))
    path = tmp_path / 'code.h'
    path.write_text(with_helper_header(f'{QUANTIZE_TO}<int>(1, y); {QUANTIZE_VIA}<int, long>(1, y);'))
    flags = ['-D__SYNTHESIS__'] if synthesis else []
    text = subprocess.run(['g++', '-E', '-P', '-xc++', *flags, str(path)], capture_output=True, text=True).stdout
    assert text.count(f'void {QUANTIZE_TO}(') == 1
    assert text.count('__attribute__((noinline))') == (0 if synthesis else 2)


def test_stream_pixels_get_one_function_per_distinct_pattern():
    # 4 pixels of 2 channels: pixels 0 and 2 share a pattern, 1 and 3 another
    keys = [3, 4, 5, 6, 3, 4, 5, 6]
    code = stream_source('q', (4, 2), keys, _stmt)
    patterns = re.findall(r'void (q_pattern\d+)\(', code)
    assert patterns == ['q_pattern0', 'q_pattern1']
    assert 'case 0: case 2:\n            q_pattern0<input_t, output_t>(x, y);' in code
    assert 'case 1: case 3:\n            q_pattern1<input_t, output_t>(x, y);' in code
    assert code.count(f'{QUANTIZE_TO}<') == 4  # each pattern's two channels, once


def test_stream_pixels_of_one_pattern_need_no_switch():
    code = stream_source('q', (3, 2), [3, 4] * 3, _stmt)
    assert 'switch' not in code and '_pattern' not in code
    assert code.count(f'{QUANTIZE_TO}<') == 2
