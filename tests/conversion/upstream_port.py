"""``python -m tests.conversion.upstream_port MODEL.keras``: print, as JSON, the input port types upstream hls4ml
gives a saved HGQ2 model (run with ``HGQ_HLS4ML_DISABLE=1``: the plugin off, hls4ml's own HGQ2 support on)."""

from __future__ import annotations

import json
import sys
import tempfile


def main(path: str) -> None:
    import hgq  # noqa: F401  # registers HGQ2's layers for loading
    import hls4ml
    import keras
    from hls4ml.model.layers import Input

    model = keras.models.load_model(path)
    config = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
    with tempfile.TemporaryDirectory() as out:
        hm = hls4ml.converters.convert_from_keras_model(model, hls_config=config, backend='Vitis', output_dir=out)
    ports = {}
    for node in hm.graph.values():
        if isinstance(node, Input):
            p = node.get_output_variable().type.precision
            modes = [str(p.rounding_mode), str(p.saturation_mode)]
            ports[node.name] = [int(p.width), int(p.integer), bool(p.signed), *modes]
    print(json.dumps(ports))


if __name__ == '__main__':
    main(sys.argv[1])
