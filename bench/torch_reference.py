#!/usr/bin/env python3
"""PyTorch eager reference for `pebench bench`: the same two shapes, the same
model (no positional encoding), the same step (forward, backward, global-norm
clip 1.0, AdamW), measured the same way (median step time after one warm-up
step), so the C++ engine's tokens/s can be compared side by side.

    python3 bench/torch_reference.py [--shape che|flipflop|quick|all] [--steps N] [--threads N]

Shapes (see harness/bench/cli_bench.cpp):
  che       5 layers, d_model 64, 8 heads, d_ff 256, post-norm, ReLU, dropout 0.1,
            batch 128 x 80 tokens, bidirectional
  flipflop  4 layers, d_model 256, 4 heads, d_ff 1024, pre-norm, GELU (tanh),
            no dropout, batch 16 x 512 tokens, causal
  quick     2 layers, d_model 32, 4 heads, d_ff 64, pre-norm, ReLU, no dropout,
            batch 32 x 80 tokens, bidirectional (a cell of the default suite)

Attention is written out (q·kᵀ/sqrt(d), mask, softmax, ·v), as in eager
PyTorch before scaled_dot_product_attention (Debian's python3-torch is 1.13).
Not used by the tests.
"""
import argparse
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {
    "che": dict(vocab_in=4, vocab_out=3, d_model=64, layers=5, heads=8, d_ff=256, pre_norm=False,
                activation="relu", dropout=0.1, batch=128, seq_len=80, causal=False),
    "flipflop": dict(vocab_in=5, vocab_out=2, d_model=256, layers=4, heads=4, d_ff=1024, pre_norm=True,
                     activation="gelu", dropout=0.0, batch=16, seq_len=512, causal=True),
    "quick": dict(vocab_in=4, vocab_out=3, d_model=32, layers=2, heads=4, d_ff=64, pre_norm=True,
                  activation="relu", dropout=0.0, batch=32, seq_len=80, causal=False),
}


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        d = s["d_model"]
        self.heads, self.pre_norm, self.causal = s["heads"], s["pre_norm"], s["causal"]
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d, bias=False)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, s["d_ff"]), nn.Linear(s["d_ff"], d)
        self.act = nn.ReLU() if s["activation"] == "relu" else nn.GELU(approximate="tanh")
        self.drop = nn.Dropout(s["dropout"])

    def attention(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        if self.causal:
            mask = torch.ones(t, t, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        heads = scores.softmax(-1) @ v
        return self.out(heads.transpose(1, 2).reshape(b, t, d))

    def forward(self, x):
        if self.pre_norm:
            x = x + self.drop(self.attention(self.ln1(x)))
            return x + self.drop(self.ff2(self.act(self.ff1(self.ln2(x)))))
        x = self.ln1(x + self.drop(self.attention(x)))
        return self.ln2(x + self.drop(self.ff2(self.act(self.ff1(x)))))


class Model(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.scale = math.sqrt(s["d_model"])
        self.embed = nn.Embedding(s["vocab_in"], s["d_model"])
        self.drop = nn.Dropout(s["dropout"])
        self.blocks = nn.ModuleList(Block(s) for _ in range(s["layers"]))
        self.final = nn.LayerNorm(s["d_model"]) if s["pre_norm"] else nn.Identity()
        self.head = nn.Linear(s["d_model"], s["vocab_out"])

    def forward(self, tokens):
        x = self.drop(self.embed(tokens) * self.scale)
        for block in self.blocks:
            x = block(x)
        return self.head(self.final(x))


def forward_flops(s, batch, seq_len):
    """Same count as forward_flops() in harness/bench/cli_bench.cpp."""
    d, f = s["d_model"], s["d_ff"]
    keys = (seq_len + 1) / 2 if s["causal"] else seq_len
    per_token_layer = 2 * (4 * d * d + 2 * d * f) + 2 * 2 * keys * d
    return batch * seq_len * (s["layers"] * per_token_layer + 2 * d * s["vocab_out"])


def random_batch(s, batch, seq_len, generator):
    tokens = torch.randint(s["vocab_in"], (batch, seq_len), generator=generator)
    targets = torch.randint(s["vocab_out"], (batch, seq_len), generator=generator)
    return tokens, targets


def median_seconds(step, repeats):
    """Median wall time of `step` after a warm-up call, and the CPU time the
    process got over wall time x threads (well below 1 on a busy machine)."""
    step()
    times = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu_start
    cpu_share = cpu / ((time.perf_counter() - wall_start) * torch.get_num_threads())
    return statistics.median(times), cpu_share, cpu / repeats


def reset_peak_memory():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_memory_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_shape(name, steps):
    s = SHAPES[name]
    generator = torch.Generator().manual_seed(1)
    model = Model(s)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    tokens, targets = random_batch(s, s["batch"], s["seq_len"], generator)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        logits = model(tokens)
        loss = F.cross_entropy(logits.reshape(-1, s["vocab_out"]), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    model.train()
    seconds, share, cpu = median_seconds(train_step, steps)
    tokens_per_step = s["batch"] * s["seq_len"]
    print(f"\n{name}: torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"  train  nope  {tokens_per_step / seconds:>10.0f} tokens/s  "
          f"{3 * forward_flops(s, s['batch'], s['seq_len']) / seconds * 1e-9:>7.1f} GFLOP/s   ({tokens_per_step / cpu:.0f} tokens per CPU-second, cpu share {100 * share:.0f}%)")

    model.eval()
    with torch.no_grad():
        seconds, share, cpu = median_seconds(lambda: model(tokens), steps)
        print(f"  eval   nope  {tokens_per_step / seconds:>10.0f} tokens/s  "
              f"{forward_flops(s, s['batch'], s['seq_len']) / seconds * 1e-9:>7.1f} GFLOP/s   "
              f"({tokens_per_step / cpu:.0f} tokens per CPU-second, cpu share {100 * share:.0f}%, "
              f"length {s['seq_len']})")
        long_tokens, _ = random_batch(s, 16, 1000, generator)
        reset_peak_memory()
        seconds, _, _ = median_seconds(lambda: model(long_tokens), 1)
        print(f"  eval   nope  {16 * 1000 / seconds:>10.0f} tokens/s  "
              f"{forward_flops(s, 16, 1000) / seconds * 1e-9:>7.1f} GFLOP/s   (length 1000, 16 sequences, one "
              f"batch, peak RSS {peak_memory_mib():.0f} MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=["che", "flipflop", "quick", "all"], default="all")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.steps < 1 or args.threads < 1:
        parser.error("--steps and --threads must be at least 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in (list(SHAPES) if args.shape == "all" else [args.shape]):
        bench_shape(name, args.steps)


if __name__ == "__main__":
    main()
