#!/usr/bin/env python3
"""The imported models of OnnxInferenceBenchmark, exported by PyTorch 1.13, and their inference in PyTorch eager.

Builds the two models at full size, in eval mode, seeded (so every run builds the same weights and inputs):
  fashion-cnn  PyTorch's MNIST example net: Conv2d(1,32,3) ReLU Conv2d(32,64,3) ReLU MaxPool2d(2) Dropout(0.25)
               Flatten Linear(9216,128) ReLU Dropout(0.5) Linear(128,10); input float32 [B, 1, 28, 28]
  char-gpt     bench/pytorch_char_gpt.py's nanoGPT at the char-gpt sample's configuration (vocabulary 113, the
               sample's on Debian's fortunes; 4 layers, 4 heads, width 128, block 64); input int64 [B, 64]
and exports each with torch.onnx.export (opset 17, EVAL mode, dynamic batch axis) to bench/target/onnx/NAME.onnx,
beside NAME.safetensors: the inputs "input_b1", "input_b64" and PyTorch's outputs "output_b1", "output_b64",
which the benchmark's set-up compares with Kiln's.

With --time it then times PyTorch eager inference (torch.no_grad) of both models on those inputs, batch 1 and 64,
in a fresh process per thread configuration (see torch_threads.py: "1", "2", "default"): median milliseconds
per call.

Set-up (Debian): apt-get install python3-torch; run with /usr/bin/python3 from anywhere.
Usage: /usr/bin/python3 bench/onnx_models.py [--time [1] [2] [default]]. Not part of the test command.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "runtime-cpu", "src", "test", "resources", "io"))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import torch_threads  # noqa: E402
from make_fixtures import write  # noqa: E402  (the safetensors writer)
from pytorch_char_gpt import GPT  # noqa: E402

OUT = os.path.join(HERE, "target", "onnx")
BATCHES = (1, 64)
VOCAB, BLOCK, LAYERS, HEADS, EMBD = 113, 64, 4, 4, 128


def fashion_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))


def models():
    """(name, eval-mode model, {batch: input}), the same on every call."""
    torch.manual_seed(1)
    cnn = fashion_cnn().eval()
    cnn_in = {b: torch.randn(b, 1, 28, 28) for b in BATCHES}
    torch.manual_seed(2)
    gpt = GPT(VOCAB, BLOCK, LAYERS, HEADS, EMBD).eval()
    gpt_in = {b: torch.randint(0, VOCAB, (b, BLOCK)) for b in BATCHES}
    return [("fashion-cnn", cnn, cnn_in), ("char-gpt", gpt, gpt_in)]


def export():
    os.makedirs(OUT, exist_ok=True)
    for name, model, inputs in models():
        path = os.path.join(OUT, name + ".onnx")
        axes = {"input0": {0: "batch"}, "output0": {0: "batch"}}
        torch.onnx.export(model, (inputs[1],), path, opset_version=17, input_names=["input0"],
                          output_names=["output0"], dynamic_axes=axes, training=torch.onnx.TrainingMode.EVAL,
                          do_constant_folding=True)
        tensors = {}
        with torch.no_grad():
            for b, x in inputs.items():
                tensors[f"input_b{b}"] = x
                tensors[f"output_b{b}"] = model(x)
        write(os.path.join(OUT, name + ".safetensors"), tensors)
        print(f"wrote {path} and {name}.safetensors", flush=True)


def run(config):
    label = torch_threads.apply(config)
    print(f"pytorch {torch.__version__} eager inference, no_grad, {label}", flush=True)
    import time
    with torch.no_grad():
        for name, model, inputs in models():
            for b, x in inputs.items():
                model(x)
                t0 = time.perf_counter()
                model(x)
                once = time.perf_counter() - t0
                calls = max(3, int(0.25 / max(once, 1e-6)))
                ms = torch_threads.median_ms(lambda: model(x), calls, warmup=calls)
                print(f"  {name:>11} batch {b:>2}: {ms:9.3f} ms", flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--config":
        run(sys.argv[2])
        return
    if sys.argv[1:] and sys.argv[1] != "--time":
        sys.exit(__doc__)
    export()
    if sys.argv[1:]:
        torch_threads.run_each(os.path.abspath(__file__), sys.argv[2:])


if __name__ == "__main__":
    main()
