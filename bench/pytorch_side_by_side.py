"""The same Gatys work in plain PyTorch and in Impasto, timed in one run; prints Impasto's speed as a ratio.

PyTorch side: a straightforward torch.optim.LBFGS loop (one function evaluation per iteration, as
Impasto's), the losses Impasto computes (content: squared error over the target's squared norm;
style: Gram matrices F F^T / HW compared the same way; total variation), noise init. Networks:
VGG-19 in torchvision's layout with random He-initialised weights (content relu4_2, style
relu1_1..relu5_1), and SqueezeNet v1.1 with the shared weights (content fire7, style conv1, fire2,
fire3, fire5, fire7), read from the .mat file by a small MAT v5 reader (no SciPy needed).
Impasto side: `impasto stylize` with the same network, weights, layers, images, size, iterations and
threads; its per-iteration time comes from its --report.

Per-iteration time on both sides: the median of the iterations after the first (the first builds
oneDNN primitives and warms the allocator). Run through bench/pytorch_side_by_side.sh.
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- networks

VGG19_BLOCKS = [2, 2, 4, 4, 4]
VGG19_CHANNELS = [64, 128, 256, 512, 512]


def vgg19_features():
    """torchvision's vgg19().features: the same module indices, random He-initialised weights."""
    layers, names, in_channels = [], {}, 3
    for block, (count, out) in enumerate(zip(VGG19_BLOCKS, VGG19_CHANNELS), start=1):
        for i in range(1, count + 1):
            conv = nn.Conv2d(in_channels, out, 3, padding=1)
            nn.init.normal_(conv.weight, 0.0, (2.0 / (in_channels * 9)) ** 0.5)
            nn.init.zeros_(conv.bias)
            layers += [conv, nn.ReLU(inplace=True)]
            names[len(layers) - 1] = "relu%d_%d" % (block, i)
            in_channels = out
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers), names


class Fire(nn.Module):
    def __init__(self, name, weights):
        super().__init__()
        self.squeeze = conv_from(weights, name + "/squeeze1x1", 1, 1, 0)
        self.expand1x1 = conv_from(weights, name + "/expand1x1", 1, 1, 0)
        self.expand3x3 = conv_from(weights, name + "/expand3x3", 3, 1, 1)

    def forward(self, x):
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1x1(x)), F.relu(self.expand3x3(x))], 1)


def conv_from(weights, name, kernel, stride, padding):
    kernel_hwio, bias = weights[name]
    w = torch.from_numpy(np.array(kernel_hwio.reshape(kernel, kernel, *kernel_hwio.shape[-2:]).transpose(3, 2, 0, 1)))
    conv = nn.Conv2d(w.shape[1], w.shape[0], kernel, stride=stride, padding=padding)
    with torch.no_grad():
        conv.weight.copy_(w)
        conv.bias.copy_(torch.from_numpy(np.array(bias.reshape(-1))))
    return conv


class SqueezeNet(nn.Module):
    FIRES = [(2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128), (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256)]

    def __init__(self, weights, last_tap):
        super().__init__()
        self.conv1 = conv_from(weights, "conv1", 3, 2, 0)
        self.fires = nn.ModuleDict()
        for index, _, _ in self.FIRES:
            self.fires["fire%d" % index] = Fire("fire%d" % index, weights)
        self.last = int(last_tap[4:])

    def forward(self, x, taps):
        out = {}
        x = F.relu(self.conv1(x))
        out["conv1"] = x
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        for index, _, _ in self.FIRES:
            if index > self.last:
                break
            x = self.fires["fire%d" % index](x)
            out["fire%d" % index] = x
            if index in (3, 5):
                x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        return {name: out[name] for name in taps}


def read_mat_v5(path):
    """Top-level variables of an uncompressed MATLAB level-5 MAT file: cells as lists, arrays in numpy."""
    data = open(path, "rb").read()
    if data[126:128] != b"IM":
        sys.exit("%s: not a little-endian MAT v5 file" % path)

    def element(buf, pos):
        kind, size = struct.unpack_from("<II", buf, pos)
        if kind >> 16:  # small data element: 4 bytes of data inside the tag
            return kind & 0xFFFF, buf[pos + 4 : pos + 4 + (kind >> 16)], pos + 8
        return kind, buf[pos + 8 : pos + 8 + size], pos + 8 + (size + 7) // 8 * 8

    def matrix(buf):
        _, flags, pos = element(buf, 0)
        array_class = struct.unpack_from("<I", flags)[0] & 0xFF
        _, dims, pos = element(buf, pos)
        dims = [int(d) for d in np.frombuffer(dims, "<i4")]
        _, name, pos = element(buf, pos)
        if array_class == 1:  # cell array
            cells = []
            for _ in range(int(np.prod(dims))):
                _, sub, pos = element(buf, pos)
                cells.append(matrix(sub)[1])
            return name.decode(), cells
        kind, real, pos = element(buf, pos)
        dtype = {1: "i1", 2: "u1", 3: "<i2", 4: "<u2", 5: "<i4", 6: "<u4", 7: "<f4", 9: "<f8"}[kind]
        return name.decode(), np.frombuffer(real, dtype).reshape(dims[::-1]).T  # MATLAB is column-major

    variables, pos = {}, 128
    while pos < len(data):
        kind, body, pos = element(data, pos)
        if kind != 14:
            sys.exit("%s: compressed or unexpected MAT element (type %d)" % (path, kind))
        name, value = matrix(body)
        variables[name] = value
    return variables


# ---------------------------------------------------------------- Gatys loop

def load_image(path, size):
    """RGB in 0..1, longer side `size`: ImageMagick decodes and resizes (no Python imaging package needed)."""
    ppm = subprocess.run(["convert", path, "-strip", "-resize", "%dx%d" % (size, size), "-depth", "8", "ppm:-"],
                         check=True, stdout=subprocess.PIPE).stdout
    magic, width, height, maximum, pixels = ppm.split(maxsplit=4)
    assert magic == b"P6" and maximum == b"255"
    image = np.frombuffer(pixels, np.uint8).reshape(int(height), int(width), 3).astype(np.float32) / 255.0
    return torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).contiguous()


def gram(f):
    c = f.shape[1]
    f = f.reshape(c, -1)
    return f @ f.t() / f.shape[1]


def pytorch_seconds_per_iteration(setup, content_path, style_path, size, iterations, seed):
    forward, preprocess, content_layer, style_layers = setup
    torch.manual_seed(seed)
    content = load_image(content_path, size)
    style = load_image(style_path, size)
    taps = [content_layer] + style_layers
    with torch.no_grad():
        content_target = forward(preprocess(content), [content_layer])[content_layer]
        style_features = forward(preprocess(style), style_layers)
        style_targets = {name: gram(style_features[name]) for name in style_layers}
    content_norm = content_target.square().sum() + 1e-8
    style_norms = {name: t.square().sum() + 1e-8 for name, t in style_targets.items()}
    image = (torch.randn(content.shape) * 0.1 + 0.5).clamp_(0, 1).requires_grad_(True)
    optimizer = torch.optim.LBFGS([image], lr=1, max_iter=iterations, history_size=10,
                                  tolerance_grad=0, tolerance_change=0)
    stamps = []

    def closure():
        optimizer.zero_grad()
        features = forward(preprocess(image), taps)
        loss = (features[content_layer] - content_target).square().sum() / content_norm
        for name in style_layers:
            loss = loss + 100.0 / len(style_layers) * (gram(features[name]) - style_targets[name]).square().sum() / style_norms[name]
        dy = image[:, :, 1:, :] - image[:, :, :-1, :]
        dx = image[:, :, :, 1:] - image[:, :, :, :-1]
        loss = loss + dy.square().mean() + dx.square().mean()
        loss.backward()
        stamps.append(time.perf_counter())
        return loss

    stamps.append(time.perf_counter())
    optimizer.step(closure)
    return statistics.median(b - a for a, b in zip(stamps[1:], stamps[2:]))


def vgg19_setup():
    features, names = vgg19_features()
    features.eval().requires_grad_(False)  # only the image is optimised, as in PyTorch's own tutorial
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def forward(x, taps):  # up to the deepest tap only, as the tutorial truncates the model
        out = {}
        for index, layer in enumerate(features):
            x = layer(x)
            if names.get(index) in taps:
                out[names[index]] = x
                if len(out) == len(taps):
                    break
        return out

    return forward, lambda x: (x - mean) / std, "relu4_2", ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]


def squeezenet_setup(weights_path):
    net = SqueezeNet(read_mat_v5(weights_path), "fire7").eval().requires_grad_(False)
    mean_bgr = torch.tensor([104.006, 116.669, 122.679]).view(1, 3, 1, 1)
    return (lambda x, taps: net(x, taps), lambda x: x.flip(1) * 255.0 - mean_bgr, "fire7",
            ["conv1", "fire2", "fire3", "fire5", "fire7"])


def impasto_seconds_per_iteration(binary, network, model_file, content, style, size, iterations, threads, seed, extra):
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "report.json")
        setup = NETWORK_LAYERS[network]
        command = [binary, "stylize", "--content", content, "--style", style, "--output", os.path.join(folder, "out.png"),
                   "--model", network, "--model-file", model_file, "--size", str(size), "--iterations", str(iterations),
                   "--init", "noise", "--seed", str(seed), "--threads", str(threads), "--optimizer", "lbfgs",
                   "--lbfgs-history", "10", "--content-layers", setup[0], "--style-layers", ",".join(setup[1]),
                   "--print-every", "1000000", "--report", report] + extra
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        seconds = [r["seconds"] for r in json.load(open(report))["iterations"]]
    return statistics.median(b - a for a, b in zip(seconds, seconds[1:]))


NETWORK_LAYERS = {
    "vgg19": ("relu4_2", ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]),
    "squeezenet": ("fire7", ["conv1", "fire2", "fire3", "fire5", "fire7"]),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--impasto", required=True, help="the impasto binary")
    parser.add_argument("--shared", required=True, help="the shared folder (images/, models/)")
    parser.add_argument("--networks", default="vgg19,squeezenet")
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--iterations", type=int, default=6, help="L-BFGS iterations per case (the first is not timed)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--impasto-args", default="", help="extra arguments for impasto stylize, e.g. '--tune off'")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    content = os.path.join(args.shared, "images", "tubingen.jpg")
    style = os.path.join(args.shared, "images", "starry_night.jpg")
    squeezenet_weights = os.path.join(args.shared, "models", "squeezenet1_1", "sqz_notop.mat")
    print("PyTorch %s, %d threads, %d L-BFGS iterations per case; median seconds per iteration after the first"
          % (torch.__version__, args.threads, args.iterations))
    print("%-11s %5s %12s %12s %14s" % ("network", "size", "PyTorch s", "Impasto s", "Impasto speed"))
    for network in args.networks.split(","):
        setup = vgg19_setup() if network == "vgg19" else squeezenet_setup(squeezenet_weights)
        model_file = "random" if network == "vgg19" else squeezenet_weights
        for size in (int(s) for s in args.sizes.split(",")):
            python = pytorch_seconds_per_iteration(setup, content, style, size, args.iterations, args.seed)
            impasto = impasto_seconds_per_iteration(args.impasto, network, model_file, content, style, size,
                                                    args.iterations, args.threads, args.seed, args.impasto_args.split())
            print("%-11s %5d %12.3f %12.3f %13.2fx" % (network, size, python, impasto, python / impasto), flush=True)


if __name__ == "__main__":
    main()
