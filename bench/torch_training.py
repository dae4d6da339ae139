#!/usr/bin/env python3
"""The peer of the reference's training benchmark: the same post-LN transformer in PyTorch, float64, trained with
torch.optim.Adam on the same shapes, written the way a PyTorch user writes it (the batch as one [B, T, d] tensor,
autograd for the backward pass). Spawned by bench/training.ts and bench/parallel.ts without a shell.

argv: a JSON object {"config": ModelConfig, "runs": [{"batch": B, "threads": n}], "budget_s": s, "seed": k}.
stdout: one JSON object {"torch": version, "runs": [{"batch", "threads", "steps", "examples", "seconds"}]}.
Exit 3 (and one line on stderr) when this python3 has no torch.
"""
from __future__ import annotations

import json
import math
import sys
import time

sys.dont_write_bytecode = True
try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.stderr.write(f"{sys.executable}: {e}\n")
    sys.exit(3)

F64 = torch.float64


def make_params(c: dict, gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Xavier-normal matrices, N(0, 1) embeddings, zero biases and β, unit γ: the reference's initialisation scheme."""
    d, f = c["dModel"], c["dFF"]
    p: dict[str, torch.Tensor] = {}

    def add(name: str, *shape: int, init: str) -> None:
        if init == "ones":
            t = torch.ones(*shape, dtype=F64)
        elif init == "zeros":
            t = torch.zeros(*shape, dtype=F64)
        elif init == "normal":
            t = torch.randn(*shape, dtype=F64, generator=gen)
        else:
            t = torch.randn(*shape, dtype=F64, generator=gen) * math.sqrt(2 / (shape[0] + shape[1]))
        p[name] = t.requires_grad_()

    add("E", c["vocab"], d, init="normal")
    for l in range(c["layers"]):
        for w in ("W_Q", "W_K", "W_V", "W_O"):
            add(f"{l}.{w}", d, d, init="xavier")
        add(f"{l}.g1", d, init="ones")
        add(f"{l}.b1", d, init="zeros")
        add(f"{l}.W_1", d, f, init="xavier")
        add(f"{l}.c_1", f, init="zeros")
        add(f"{l}.W_2", f, d, init="xavier")
        add(f"{l}.c_2", d, init="zeros")
        add(f"{l}.g2", d, init="ones")
        add(f"{l}.b2", d, init="zeros")
    add("W_out", d, c["outDim"], init="xavier")
    add("b_out", c["outDim"], init="zeros")
    return p


def positions(T: int, d: int) -> torch.Tensor:
    pos = torch.arange(T, dtype=F64)[:, None]
    j = torch.arange(d)
    angle = pos / torch.pow(10000.0, (j - j % 2).to(F64) / d)
    return torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))


def loss_of(c: dict, p: dict, pe: torch.Tensor, tokens: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the last position's logits over the batch (tokens [B, T])."""
    B, T = tokens.shape
    d, H = c["dModel"], c["heads"]
    dk = d // H
    x = F.embedding(tokens, p["E"]) + pe
    for l in range(c["layers"]):
        def heads(m: torch.Tensor) -> torch.Tensor:  # [B, T, d] → [B, H, T, dk]
            return m.reshape(B, T, H, dk).transpose(1, 2)

        q, k, v = heads(x @ p[f"{l}.W_Q"]), heads(x @ p[f"{l}.W_K"]), heads(x @ p[f"{l}.W_V"])
        w = torch.softmax((q @ k.transpose(2, 3)) / math.sqrt(dk), dim=-1)
        ctx = (w @ v).transpose(1, 2).reshape(B, T, d)
        h = F.layer_norm(x + ctx @ p[f"{l}.W_O"], (d,), p[f"{l}.g1"], p[f"{l}.b1"], c["lnEps"])
        ffn = torch.relu(h @ p[f"{l}.W_1"] + p[f"{l}.c_1"]) @ p[f"{l}.W_2"] + p[f"{l}.c_2"]
        x = F.layer_norm(h + ffn, (d,), p[f"{l}.g2"], p[f"{l}.b2"], c["lnEps"])
    return F.cross_entropy(x[:, -1, :] @ p["W_out"] + p["b_out"], targets)


def measure(c: dict, batch: int, threads: int, budget_s: float, seed: int) -> dict:
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    p = make_params(c, gen)
    opt = torch.optim.Adam(p.values(), lr=0.001)
    pe = positions(c["seqLen"], c["dModel"])
    data = [
        (torch.randint(0, c["vocab"], (batch, c["seqLen"]), generator=gen), torch.randint(0, c["outDim"], (batch,), generator=gen))
        for _ in range(16)
    ]

    def step(i: int) -> None:
        tokens, targets = data[i % len(data)]
        opt.zero_grad(set_to_none=False)
        loss_of(c, p, pe, tokens, targets).backward()
        opt.step()

    for i in range(max(2, math.ceil(64 / batch))):  # warm-up: allocator, Adam's moments
        step(i)
    steps = 0
    t0 = time.perf_counter()
    while True:
        step(steps)
        steps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= budget_s and steps >= 2:
            break
    return {"batch": batch, "threads": threads, "steps": steps, "examples": steps * batch, "seconds": elapsed}


def main() -> None:
    req = json.loads(sys.argv[1])
    c = req["config"]
    full = c["input"] == "tokens" and c["head"] == "classification" and c["positional"] == "sinusoidal" and not c["causal"]
    switches = ("attnProjection", "attnResidual", "ffnResidual", "layerNorm", "ffnBias", "headBias")
    if not (full and c["dFF"] > 0 and all(c[k] for k in switches)):
        raise SystemExit("torch_training.py models the full Stage 10 transformer only (the switches of STAGE10_CONFIG)")
    runs = [measure(c, r["batch"], r["threads"], req["budget_s"], req["seed"]) for r in req["runs"]]
    print(json.dumps({"torch": torch.__version__, "runs": runs}))


if __name__ == "__main__":
    main()
