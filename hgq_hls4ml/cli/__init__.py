"""The ``hgq-hls4ml`` command line (``python -m hgq_hls4ml.cli`` works too); see :func:`.main.main`."""
