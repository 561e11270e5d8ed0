"""Session fixtures: one compiled C++ program quantizing through ``hgq_minifloat_quantize`` per catalogue; and
HGQ2's default configs restored after each test that calls ``enable_minifloat``."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable, Iterator

import pytest

from ..precision.ap_catalog import ApProgram
from .catalog import ALL_FORMATS, FORMATS, Format, build


def _fixture(formats: tuple[Format, ...], name: str) -> Callable:
    @pytest.fixture(scope='session', name=name)
    def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[ApProgram, tuple[Format, ...]]:
        if shutil.which('g++') is None:
            pytest.skip('g++ is not available')
        return build(tmp_path_factory.mktemp(name), formats), formats

    return program


minifloat_program = _fixture(FORMATS, 'minifloat_program')
all_minifloat_program = _fixture(ALL_FORMATS, 'all_minifloat_program')


@pytest.fixture
def pristine_configs() -> Iterator[None]:
    """HGQ2's default configs as installed, restored after the test (enable_minifloat changes them in place)."""
    from hgq.quantizer.config import default_configs

    saved = {key: copy.copy(config) for key, config in default_configs.items()}
    yield
    for key, config in default_configs.items():
        config.clear()
        config.update(saved[key])
