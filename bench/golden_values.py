#!/usr/bin/env python3
"""Golden values for tests/test_golden_values.cpp: an independent PyTorch model.

    scripts/golden_values.sh [--out DIR]     (default DIR: tests/data/golden)

Needs Debian's python3-torch, which scripts/golden_values.sh installs; nothing
in the build or the test suite runs this script: its output is committed under
tests/data/golden/, one JSON file per encoding. Deterministic: a rerun writes
identical files.

What it computes, for each of nope, sinusoidal, learned, rope, alibi, t5, txl
and kerple_log, in float64: a tiny model (2 layers, d_model 16, 2 heads, d_ff
32, input vocabulary 5, 3 classes) with random weights, a batch of 3 random
sequences of length 7 with random targets (some positions untargeted), the
logits [B,T,V], the mean cross-entropy over targeted positions and the
gradient of that loss w.r.t. every parameter. Two cases per encoding:

    causal         pre-norm (GPT-2 style, with a final LayerNorm), GELU (tanh)
    bidirectional  post-norm (CHE reference), ReLU

so both norm placements and both activations are covered without doubling
the fixtures.

Independence. The model is written here from the papers' formulas and the
engine's documented conventions, not from its code:
  - conventions (models/transformer.hpp and models/layers.hpp headers):
    x0 = sqrt(D)·E[tokens] (+ input PE); q|k|v = x·Wqᵀ, x·Wkᵀ, x·Wvᵀ with no
    bias, heads contiguous in channels; scores q·kᵀ/sqrt(d_h), every relative
    bias added after that scaling; softmax over keys j <= i when causal; heads
    concatenated, then ·Woᵀ; FFN act(x·W1ᵀ + b1)·W2ᵀ + b2; LayerNorm with the
    biased variance and eps 1e-5; linear weights [out, in]; parameter names
    as in the engine's layout (the test names any missing or unknown one).
  - the encodings, from their papers (formulas restated in ENCODINGS below).
PyTorch's autograd gives the gradients, so the engine's hand-written backward
is checked too, against an implementation that shares none of its code.

Every fixture records the encoding options it assumes ("options"); the test
passes exactly those, so a later change of an encoding's defaults does not
silently change what the fixture means.
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

DTYPE = torch.float64
MODEL = dict(input_vocab=5, output_vocab=3, d_model=16, n_layers=2, n_heads=2, d_ff=32,
             dropout=0.0, embed_scale=True, max_seq_len=12)
BATCH, LENGTH = 3, 7
CASES = [
    dict(attention="causal", norm="pre", activation="gelu"),
    dict(attention="bidirectional", norm="post", activation="relu"),
]

# Options each fixture assumes, passed verbatim to the engine by the test.
# t5: fewer buckets and a shorter max_distance than the paper's (32, 128) so
# that length 7 reaches T5's logarithmic buckets; the formula is the same.
OPTIONS = {
    "nope": {},
    "sinusoidal": {},
    "learned": {},
    "rope": {"base": 10000.0},
    "alibi": {},
    "t5": {"num_buckets": 8, "max_distance": 6},
    "txl": {},
    # The direction-aware bidirectional kernel (separate right-hand p and r),
    # the engine's default; "symmetric" is the |i - j| form (see Encoding.scores).
    "kerple_log": {"bidirectional": "directional"},
}

# The form each fixture assumes, in words (recorded in the fixture).
ENCODINGS = {
    "nope": "no positional information; causal order only through the mask",
    "sinusoidal": "x += PE[p], PE[p] = [sin(p w_i) | cos(p w_i)], w_i = 10000^(-2i/D), i < D/2 "
                  "(Vaswani et al. 2017 §3.5, concatenated halves)",
    "learned": "x += P[p], P a trained [max_seq_len, D] table",
    "rope": "per head, pairs (2k, 2k+1) of q and k as complex numbers times exp(i p theta_k), "
            "theta_k = base^(-2k/d_h), p = 0..T-1 (RoFormer eq. 34, interleaved pairs)",
    "alibi": "S += -m_a (i - j) causal; m_a (-|i - j| + 0.5 [j < i]) bidirectional; "
             "m_a = 2^(-8a/h), a = 1..h (Press et al. 2022)",
    "t5": "S += sqrt(d_h) W[bucket(j - i), a], T5 buckets (Raffel et al. 2020; HF "
          "_relative_position_bucket: two-sided when bidirectional), one table for all layers",
    "txl": "S = ((q_i + u_a).k_j + (q_i + v_a).(W_R R(j - i))_a) / sqrt(d_h), R(p) = [sin(p w_c) | "
           "cos(p w_c)], w_c = 10000^(-2c/D) (Dai et al. 2019 §3.3); u, v, W_R per layer",
    "kerple_log": "S += -p_a log(1 + r_a d), d = i - j causal, |i - j| bidirectional "
                  "(Chi et al. 2022, logarithmic kernel); p, r shared by all layers; option "
                  "bidirectional=directional: keys j > i use p_right, r_right",
}


# ----------------------------------------------------------------- encodings

def sinusoid(positions, dim):
    """[len(positions), dim]: sin of every frequency, then cos of every frequency."""
    freqs = torch.tensor([10000.0 ** (-2.0 * i / dim) for i in range(dim // 2)], dtype=DTYPE)
    angles = positions.to(DTYPE)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def rotate(x, base):
    """RoFormer rotation of x [B,h,T,d]: pair (2k, 2k+1) is the complex number
    x_2k + i·x_2k+1, multiplied by exp(i·p·theta_k)."""
    b, h, t, d = x.shape
    theta = torch.tensor([base ** (-2.0 * k / d) for k in range(d // 2)], dtype=DTYPE)
    angle = torch.arange(t, dtype=DTYPE)[:, None] * theta[None, :]         # [T, d/2]
    phase = torch.polar(torch.ones_like(angle), angle)                     # exp(i·angle)
    z = torch.view_as_complex(x.reshape(b, h, t, d // 2, 2).contiguous())  # [B,h,T,d/2]
    return torch.view_as_real(z * phase).reshape(b, h, t, d)


def alibi_slopes(heads):
    assert heads & (heads - 1) == 0, "power-of-two head counts only here"
    return torch.tensor([2.0 ** (-8.0 * a / heads) for a in range(1, heads + 1)], dtype=DTYPE)


def t5_bucket(relative, bidirectional, num_buckets, max_distance):
    """T5's bucket of relative position j - i (Raffel et al. 2020; transformers'
    T5Attention._relative_position_bucket), in float64."""
    bucket = torch.zeros_like(relative)
    if bidirectional:
        num_buckets //= 2
        bucket += (relative > 0).long() * num_buckets
        n = relative.abs()
    else:
        n = torch.clamp(-relative, min=0)
    max_exact = num_buckets // 2
    large = max_exact + (torch.log(n.to(DTYPE) / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).long()
    large = torch.clamp(large, max=num_buckets - 1)
    return bucket + torch.where(n < max_exact, n, large)


def kerple_directional(options):
    """KERPLE's direction-aware bidirectional form: (p, r) for keys at or left
    of the query, (p_right, r_right) for keys right of it, d = |i - j| on both."""
    return options.get("bidirectional", "symmetric") == "directional"


class Encoding:
    """Parameters and hooks of one positional encoding."""

    def __init__(self, name, options, causal, params):
        self.name, self.options, self.causal, self.p = name, options, causal, params

    def input(self, x):  # x [B,T,D]
        t, d = x.shape[1], x.shape[2]
        if self.name == "sinusoidal":
            return x + sinusoid(torch.arange(t), d)[None]
        if self.name == "learned":
            return x + self.p["encoding.learned.table"][:t][None]
        return x

    def rotate(self, q, k):
        if self.name == "rope":
            base = self.options["base"]
            return rotate(q, base), rotate(k, base)
        return q, k

    def scores(self, q, k, layer):
        """Final pre-mask logits [B,h,T,T] from q, k [B,h,T,d]."""
        t, d = q.shape[2], q.shape[3]
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)
        i = torch.arange(t)[:, None]
        j = torch.arange(t)[None, :]
        if self.name == "alibi":
            m = alibi_slopes(q.shape[1])[:, None, None]
            if self.causal:
                bias = -m * (i - j).to(DTYPE)
            else:
                bias = m * (-(i - j).abs().to(DTYPE) + 0.5 * (j < i).to(DTYPE))
            return scores + bias[None]
        if self.name == "t5":
            buckets = t5_bucket(j - i, not self.causal, self.options["num_buckets"], self.options["max_distance"])
            table = self.p["encoding.t5.weight"]                        # [buckets, h]
            return scores + math.sqrt(d) * table[buckets].permute(2, 0, 1)[None]
        if self.name == "kerple_log":
            distance = (i - j) if self.causal else (i - j).abs()
            distance = distance.to(DTYPE).clamp(min=0)                  # masked entries: any finite value
            p = self.p["encoding.kerple.p"][:, None, None]
            r = self.p["encoding.kerple.r"][:, None, None]
            if kerple_directional(self.options):  # keys right of the query (j > i) use their own p, r
                right = (j > i)[None]
                p = torch.where(right, self.p["encoding.kerple.p_right"][:, None, None], p)
                r = torch.where(right, self.p["encoding.kerple.r_right"][:, None, None], r)
            return scores - (p * torch.log1p(r * distance))[None]
        if self.name == "txl":
            prefix = "encoding.txl.layer%d." % layer
            u, v, w_r = self.p[prefix + "u"], self.p[prefix + "v"], self.p[prefix + "w_r"]
            h = q.shape[1]
            offsets = torch.arange(-(t - 1), t)                          # j - i
            kernel = sinusoid(offsets, h * d) @ w_r.T                    # [2T-1, D]
            kernel = kernel.reshape(2 * t - 1, h, d).permute(1, 0, 2)    # [h, 2T-1, d]
            rel = kernel[:, (j - i) + t - 1]                             # [h, T, T, d]
            content = (q + u[None, :, None, :]) @ k.transpose(-1, -2)
            position = torch.einsum("bhid,hijd->bhij", q + v[None, :, None, :], rel)
            return (content + position) / math.sqrt(d)
        return scores


def encoding_shapes(name, model):
    d, h, dh = model["d_model"], model["n_heads"], model["d_model"] // model["n_heads"]
    if name == "learned":
        return {"encoding.learned.table": ([model["max_seq_len"], d], "normal", 0.5)}
    if name == "t5":
        return {"encoding.t5.weight": ([OPTIONS["t5"]["num_buckets"], h], "normal", 0.5)}
    if name == "kerple_log":  # inside the engine's constraint p, r >= 0.01
        shapes = {"encoding.kerple.p": ([h], "uniform", (0.5, 2.0)),
                  "encoding.kerple.r": ([h], "uniform", (0.2, 1.0))}
        if kerple_directional(OPTIONS["kerple_log"]):  # declared in both modes, read only when bidirectional
            shapes["encoding.kerple.p_right"] = ([h], "uniform", (0.5, 2.0))
            shapes["encoding.kerple.r_right"] = ([h], "uniform", (0.2, 1.0))
        return shapes
    if name == "txl":
        shapes = {}
        for layer in range(model["n_layers"]):
            prefix = "encoding.txl.layer%d." % layer
            shapes[prefix + "u"] = ([h, dh], "normal", 0.5)
            shapes[prefix + "v"] = ([h, dh], "normal", 0.5)
            shapes[prefix + "w_r"] = ([d, d], "normal", 1.0 / math.sqrt(d))
        return shapes
    return {}


# ----------------------------------------------------------------- the model

def model_shapes(model, norm):
    """name -> (shape, distribution, scale) for every transformer tensor."""
    d, f = model["d_model"], model["d_ff"]
    shapes = {"embedding.tokens": ([model["input_vocab"], d], "normal", 0.25)}
    for layer in range(model["n_layers"]):
        p = "layer%d." % layer
        for w in ("wq", "wk", "wv"):  # a little larger than 1/sqrt(D): attention far from uniform
            shapes[p + "attn." + w] = ([d, d], "normal", 1.5 / math.sqrt(d))
        shapes[p + "attn.wo"] = ([d, d], "normal", 1.0 / math.sqrt(d))
        shapes[p + "ln1.weight"] = ([d], "around_one", 0.2)
        shapes[p + "ln1.bias"] = ([d], "normal", 0.1)
        shapes[p + "ffn.w1"] = ([f, d], "normal", 1.0 / math.sqrt(d))
        shapes[p + "ffn.b1"] = ([f], "normal", 0.1)
        shapes[p + "ffn.w2"] = ([d, f], "normal", 1.0 / math.sqrt(f))
        shapes[p + "ffn.b2"] = ([d], "normal", 0.1)
        shapes[p + "ln2.weight"] = ([d], "around_one", 0.2)
        shapes[p + "ln2.bias"] = ([d], "normal", 0.1)
    if norm == "pre":
        shapes["final_ln.weight"] = ([d], "around_one", 0.2)
        shapes["final_ln.bias"] = ([d], "normal", 0.1)
    shapes["head.weight"] = ([model["output_vocab"], d], "normal", 1.0 / math.sqrt(d))
    shapes["head.bias"] = ([model["output_vocab"]], "normal", 0.1)
    return shapes


def draw(shape, kind, scale, generator):
    if kind == "uniform":
        low, high = scale
        values = low + (high - low) * torch.rand(shape, dtype=DTYPE, generator=generator)
    elif kind == "around_one":
        values = 1.0 + scale * torch.randn(shape, dtype=DTYPE, generator=generator)
    else:
        values = scale * torch.randn(shape, dtype=DTYPE, generator=generator)
    # Rounded to 10 significant digits before use: the fixture stores exactly these weights.
    return torch.tensor([float("%.10g" % v) for v in values.flatten().tolist()], dtype=DTYPE).reshape(shape)


def layer_norm(x, weight, bias):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps=1e-5)


def forward(params, encoding, tokens, model, norm, activation):
    d, h = model["d_model"], model["n_heads"]
    b, t = tokens.shape
    act = (lambda z: F.gelu(z, approximate="tanh")) if activation == "gelu" else F.relu
    scale = math.sqrt(d) if model["embed_scale"] else 1.0
    x = encoding.input(params["embedding.tokens"][tokens] * scale)
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)

    def attention(u, layer):
        p = "layer%d.attn." % layer
        heads = lambda w: (u @ params[p + w].T).reshape(b, t, h, d // h).transpose(1, 2)
        q, k = encoding.rotate(heads("wq"), heads("wk"))
        scores = encoding.scores(q, k, layer)
        if encoding.causal:
            scores = scores.masked_fill(mask, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ heads("wv")
        return out.transpose(1, 2).reshape(b, t, d) @ params[p + "wo"].T

    def ffn(u, layer):
        p = "layer%d.ffn." % layer
        return act(u @ params[p + "w1"].T + params[p + "b1"]) @ params[p + "w2"].T + params[p + "b2"]

    def ln(u, name):
        return layer_norm(u, params[name + ".weight"], params[name + ".bias"])

    for layer in range(model["n_layers"]):
        p = "layer%d." % layer
        if norm == "pre":
            x = x + attention(ln(x, p + "ln1"), layer)
            x = x + ffn(ln(x, p + "ln2"), layer)
        else:
            x = ln(x + attention(x, layer), p + "ln1")
            x = ln(x + ffn(x, layer), p + "ln2")
    if norm == "pre":
        x = ln(x, "final_ln")
    return x @ params["head.weight"].T + params["head.bias"]


def rounded(values, digits=13):
    return [float("%.*g" % (digits, v)) for v in values]


def make_case(name, case, seed):
    generator = torch.Generator().manual_seed(seed)
    model = dict(MODEL, norm=case["norm"], activation=case["activation"])
    causal = case["attention"] == "causal"
    shapes = dict(model_shapes(model, case["norm"]))
    shapes.update(encoding_shapes(name, model))
    params = {n: draw(shape, kind, scale, generator) for n, (shape, kind, scale) in shapes.items()}
    for tensor in params.values():
        tensor.requires_grad_(True)
    tokens = torch.randint(0, model["input_vocab"], (BATCH, LENGTH), generator=generator)
    targets = torch.randint(0, model["output_vocab"], (BATCH, LENGTH), generator=generator)
    untargeted = torch.rand(BATCH, LENGTH, generator=generator) < 0.25
    targets = targets.masked_fill(untargeted, -1)

    encoding = Encoding(name, OPTIONS[name], causal, params)
    logits = forward(params, encoding, tokens, model, case["norm"], case["activation"])
    loss = F.cross_entropy(logits.reshape(-1, model["output_vocab"]), targets.reshape(-1), ignore_index=-1)
    loss.backward()
    return {
        "attention": case["attention"],
        "model": model,
        "tokens": tokens.tolist(),
        "targets": targets.tolist(),
        "weights": {n: p.detach().flatten().tolist() for n, p in params.items()},
        "logits": rounded(logits.detach().flatten().tolist()),
        "loss": float("%.15g" % loss.item()),
        "gradients": {n: rounded(p.grad.flatten().tolist()) for n, p in params.items()},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "golden")))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for index, name in enumerate(OPTIONS):
        fixture = {
            "generator": "bench/golden_values.py",
            "torch_version": torch.__version__,
            "dtype": "float64",
            "encoding": name,
            "options": OPTIONS[name],
            "form": ENCODINGS[name],
            "logits_layout": "[batch, length, output_vocab], row-major",
            "loss": "mean cross-entropy over positions whose target is not -1",
            "cases": [make_case(name, case, seed=1000 * index + c) for c, case in enumerate(CASES)],
        }
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as out:
            json.dump(fixture, out, separators=(",", ":"))
            out.write("\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
