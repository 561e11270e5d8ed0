"""The package version (what `hgq-hls4ml --version` and `hgq_hls4ml.__version__` say)."""

__version__ = '0.1.0'
