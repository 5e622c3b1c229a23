"""Oracle: runs an IR with OpenVINO's Python API.

Usage: ov_infer.py <model.xml> [batch]
stdin: raw float32 input (the model's first input, C order); stdout: raw float32 of the first output.
"""
import sys

import numpy as np
import openvino as ov


def main() -> int:
    xml = sys.argv[1]
    core = ov.Core()
    model = core.read_model(xml)
    if len(sys.argv) > 2:
        shape = model.input(0).get_partial_shape()
        shape[0] = int(sys.argv[2])
        model.reshape({0: shape})
    compiled = core.compile_model(model, "CPU")
    shape = tuple(compiled.input(0).shape)
    data = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).reshape(shape)
    result = compiled(data)[compiled.output(0)]
    sys.stdout.buffer.write(np.ascontiguousarray(result, dtype=np.float32).tobytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
