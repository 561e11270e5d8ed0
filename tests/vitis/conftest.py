"""Fixtures of the Vitis HLS driver tests: the fake tool (``fake_vitis``) and a minimal project (``hls_project``)."""

from tests.vitis.fake_tool import fake_vitis, hls_project

__all__ = ['fake_vitis', 'hls_project']
