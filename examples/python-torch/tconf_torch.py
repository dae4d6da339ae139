#!/usr/bin/env python3
"""The transformer of the tconf conformance suite in PyTorch, float64, differentiated by torch.autograd.

A third float64 implementation, beside the TypeScript reference and the NumPy example, written the way a PyTorch
user writes one: the model is an nn.Module whose parameter names are the suite's (`blocks.0.attn.W_Q`), the
forward pass is torch ops (F.embedding, F.layer_norm, torch.softmax, torch.relu, F.cross_entropy, F.mse_loss),
and every gradient comes from torch.autograd: nothing here writes a backward pass. SGD and momentum are
torch.optim.SGD, whose update is exactly convention 15's; Adam and gradient clipping are written out, because
torch's own (torch.optim.Adam, torch.nn.utils.clip_grad_norm_) follow other conventions (see GlobalStepAdam and
clip_by_global_norm below).

The protocol's plumbing (the request loop, the handshake, argument checking, the model scenario's configuration
and weights, tensor encoding, errors) is the suite's helper, examples/python/tconf_adapter.py; this file is the
math. Nothing but protocol lines is written to stdout; diagnostics go to stderr.
"""
from __future__ import annotations

import math
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import tconf_adapter as tc  # noqa: E402  (found through the path above)

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # a python3 without torch (say a pyenv build): say so on stderr, not on the protocol stream
    sys.stderr.write(f"tconf_torch.py needs PyTorch; {sys.executable} has none (Debian: apt-get install python3-torch)\n")
    sys.exit(1)

torch.set_default_dtype(torch.float64)  # every tensor made here is float64: the suite's float64 profile
F64 = torch.float64

NAME = "torch-example"
VERSION = "0.1.0"

FEATURES = [
    "forward", "backward", "multi-head", "causal", "layer-norm", "ffn", "residual", "positional",
    "attn-projection", "regression", "continuous-input", "batch", "sgd", "momentum", "adam", "clip",
]


def to_tensor(t: tc.Tensor) -> torch.Tensor:
    """A checked tensor from the helper as a float64 torch tensor of its own shape."""
    return torch.tensor(t.data, dtype=F64).reshape(t.shape)


def as_matrix(x: torch.Tensor, where: str) -> torch.Tensor:
    """A vector as one row, or a matrix; anything else is an error."""
    if x.dim() == 1:
        return x.reshape(1, -1)
    if x.dim() == 2:
        return x
    raise tc.InvalidInput(f"{where}: expected a vector or a matrix, got shape {list(x.shape)}")


def grads_of(output: torch.Tensor, inputs: list[torch.Tensor], upstream: torch.Tensor | None = None,
             retain: bool = False) -> list[torch.Tensor]:
    """d(output)/d(inputs) by autograd (output a scalar, or any tensor given the upstream gradient); an input that
    does not reach the output gets zeros."""
    gs = torch.autograd.grad(output, inputs, grad_outputs=upstream, retain_graph=retain, allow_unused=True)
    return [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, gs)]


# ---------------------------------------------------------------------------------------------------------------
# Building blocks, forward only (autograd does the rest)
# ---------------------------------------------------------------------------------------------------------------

def attention(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, heads: int, causal: bool) -> dict:
    """Scaled dot-product attention per head, every intermediate kept (so autograd can be asked about each).

    Head h owns the contiguous columns [h·dk, (h+1)·dk); scores = Q Kᵀ, scaled = scores / sqrt(dk) (both
    reported unmasked); the causal mask puts −∞ above the diagonal, so softmax gives those keys exactly 0.
    (nn.MultiheadAttention is not used: it owns its projections, in its own layout, and hides the scores.)"""
    T, d = Q.shape
    dk = d // heads

    def split(x: torch.Tensor) -> torch.Tensor:  # [T×d] → [heads×T×dk]
        return x.reshape(T, heads, dk).transpose(0, 1)

    scores = split(Q) @ split(K).transpose(1, 2)
    scaled = scores / math.sqrt(dk)
    masked = scaled.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), -math.inf) if causal else scaled
    weights = torch.softmax(masked, dim=-1)
    context = (weights @ split(V)).transpose(0, 1).reshape(T, d)  # heads concatenated in order
    return {"scores": scores, "scaled": scaled, "weights": weights, "context": context}


def sinusoidal_positions(T: int, d: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)); fixed, not learned."""
    pos = torch.arange(T, dtype=F64)[:, None]
    j = torch.arange(d)
    angle = pos / torch.pow(10000.0, (j - j % 2).to(F64) / d)
    return torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))


# ---------------------------------------------------------------------------------------------------------------
# The model: an nn.Module whose named_parameters() are the suite's parameter names
# ---------------------------------------------------------------------------------------------------------------

def parameter(*shape: int) -> nn.Parameter:
    return nn.Parameter(torch.zeros(*shape, dtype=F64))


class Embedding(nn.Module):
    def __init__(self, vocab: int, d: int):
        super().__init__()
        self.E = parameter(vocab, d)


class InputProjection(nn.Module):
    def __init__(self, in_dim: int, d: int):
        super().__init__()
        self.W_in = parameter(in_dim, d)
        self.b_in = parameter(d)


class Attention(nn.Module):
    def __init__(self, d: int, projection: bool):
        super().__init__()
        self.W_Q, self.W_K, self.W_V = parameter(d, d), parameter(d, d), parameter(d, d)
        self.W_O = parameter(d, d) if projection else None


class LayerNorm(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.gamma, self.beta = parameter(d), parameter(d)


class FFN(nn.Module):
    def __init__(self, d: int, d_ff: int, bias: bool):
        super().__init__()
        self.W_1 = parameter(d, d_ff)
        self.b_1 = parameter(d_ff) if bias else None
        self.W_2 = parameter(d_ff, d)
        self.b_2 = parameter(d) if bias else None


class Block(nn.Module):
    """Post-LN: LN(x + attention(x)), then LN(h + FFN(h)); the config switches parts off."""

    def __init__(self, c: dict):
        super().__init__()
        d = c["dModel"]
        self.attn = Attention(d, c["attnProjection"])
        self.ln1 = LayerNorm(d) if c["layerNorm"] else None
        self.ffn = FFN(d, c["dFF"], c["ffnBias"]) if c["dFF"] > 0 else None
        self.ln2 = LayerNorm(d) if c["layerNorm"] and c["dFF"] > 0 else None


class Head(nn.Module):
    def __init__(self, d: int, out_dim: int, bias: bool):
        super().__init__()
        self.W_out = parameter(d, out_dim)
        self.b_out = parameter(out_dim) if bias else None


class Transformer(nn.Module):
    def __init__(self, c: dict):
        super().__init__()
        self.c = c
        d = c["dModel"]
        if c["input"] == "tokens":
            self.embedding = Embedding(c["vocab"], d)
        else:
            self.input = InputProjection(c["inDim"], d)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.head = Head(d, c["outDim"], c["headBias"]) if c["head"] != "none" else None

    def forward(self, ex: dict) -> tuple[dict, torch.Tensor | None]:
        """One example: the trace of every named intermediate (the tensors of the graph themselves, so that
        autograd can differentiate with respect to each), and the example's loss (None without a valid target)."""
        c = self.c
        d, eps = c["dModel"], c["lnEps"]
        tr: dict[str, torch.Tensor] = {}
        if c["input"] == "tokens":
            X = F.embedding(torch.tensor(tc.tokens(ex, c), dtype=torch.long), self.embedding.E)
        else:
            X = to_tensor(tc.inputs(ex, c)) @ self.input.W_in + self.input.b_in
        if c["positional"] == "sinusoidal":
            X = X + sinusoidal_positions(X.shape[0], d)
        tr["X"] = X

        def norm(x: torch.Tensor, ln: LayerNorm) -> torch.Tensor:  # biased variance, ε inside the square root
            return F.layer_norm(x, (d,), ln.gamma, ln.beta, eps)

        x = X
        for i, blk in enumerate(self.blocks):
            b = f"blocks.{i}"
            at = blk.attn
            Q, K, V = x @ at.W_Q, x @ at.W_K, x @ at.W_V
            a = attention(Q, K, V, c["heads"], c["causal"])
            out = a["context"] @ at.W_O if at.W_O is not None else a["context"]
            tr.update({f"{b}.attn.Q": Q, f"{b}.attn.K": K, f"{b}.attn.V": V,
                       **{f"{b}.attn.{k}": v for k, v in a.items()}, f"{b}.attn.out": out})
            if c["attnResidual"]:
                out = x + out
                tr[f"{b}.res1"] = out
            if blk.ln1 is not None:
                out = norm(out, blk.ln1)
                tr[f"{b}.ln1"] = out
            if blk.ffn is not None:
                ffn = blk.ffn
                hidden = out @ ffn.W_1 + ffn.b_1 if ffn.b_1 is not None else out @ ffn.W_1
                act = torch.relu(hidden)  # its gradient at exactly 0 is 0 (convention 6)
                f_out = act @ ffn.W_2 + ffn.b_2 if ffn.b_2 is not None else act @ ffn.W_2
                tr.update({f"{b}.ffn.hidden": hidden, f"{b}.ffn.act": act, f"{b}.ffn.out": f_out})
                if c["ffnResidual"]:
                    f_out = out + f_out
                    tr[f"{b}.res2"] = f_out
                out = f_out
                if blk.ln2 is not None:
                    out = norm(out, blk.ln2)
                    tr[f"{b}.ln2"] = out
            tr[f"{b}.out"] = out
            x = out

        final = x[-1]  # the head reads the last position only
        tr["final_repr"] = final
        loss = None
        if self.head is not None:
            y = final @ self.head.W_out
            if self.head.b_out is not None:
                y = y + self.head.b_out
            target = ex.get("target")
            if c["head"] == "classification":
                tr["logits"], tr["probs"] = y, torch.softmax(y, dim=-1)
                t = tc.class_index(target, c["outDim"])
                if t is not None:  # natural log; F.cross_entropy takes a batch of one
                    loss = F.cross_entropy(y[None], torch.tensor([t]))
            else:
                tr["prediction"] = y
                t = tc.regression_target(target, c["outDim"])
                if t is not None:  # factor · mean((y − t)²)
                    loss = c["mseFactor"] * F.mse_loss(y, torch.tensor(t), reduction="mean")
            if loss is not None:
                tr["loss"] = loss
        return tr, loss


def build_model(c: dict, weights: dict[str, tc.Tensor] | None = None) -> Transformer:
    """The module for a configuration, loaded with the given weights (state_dict names = the suite's names)."""
    model = Transformer(c)
    names = [n for n, _ in model.named_parameters()]
    if names != list(tc.param_shapes(c)):  # the module and the suite must agree on every parameter
        raise AssertionError(f"module parameters {names} differ from the suite's {list(tc.param_shapes(c))}")
    if weights is not None:
        model.load_state_dict({n: to_tensor(t) for n, t in weights.items()}, strict=True)
    return model


# ---------------------------------------------------------------------------------------------------------------
# Optimizers and clipping
# ---------------------------------------------------------------------------------------------------------------

class GlobalStepAdam(torch.optim.Optimizer):
    """Adam exactly as convention 16 states it: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
    W ← W − lr·(m/(1−β1ᵗ)) / (sqrt(v/(1−β2ᵗ)) + ε), t the number of optimizer steps taken, counted from 1.

    Written by hand, not torch.optim.Adam, because torch counts t per parameter (state["step"] grows only on the
    steps where that parameter has a gradient), while the convention and the reference (reference/optim.ts) count
    the optimizer's steps: a parameter first trained at the optimizer's second step gets bias corrections of
    t = 2 here and t = 1 in torch.optim.Adam. (With every parameter trained at every step the two agree up to
    rounding: torch computes lr/(1−β1ᵗ) · m / (sqrt(v)/sqrt(1−β2ᵗ) + ε).) A parameter without a gradient (not
    trainable in this step) is left alone, as torch's optimizers do."""

    def __init__(self, params, lr: float, beta1: float, beta2: float, eps: float):
        super().__init__(params, {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps})
        self.t = 0

    @torch.no_grad()
    def step(self, closure=None):
        self.t += 1
        for group in self.param_groups:
            lr, b1, b2, eps = group["lr"], group["beta1"], group["beta2"], group["eps"]
            c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if not state:
                    state["exp_avg"], state["exp_avg_sq"] = torch.zeros_like(p), torch.zeros_like(p)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(b1).add_((1.0 - b1) * g)
                v.mul_(b2).add_((1.0 - b2) * g * g)
                p.sub_(lr * (m / c1) / (torch.sqrt(v / c2) + eps))


def make_optimizer(spec: dict, params) -> torch.optim.Optimizer:
    """spec as tc.optimizer reads it. SGD and heavy-ball momentum (v ← β·v + g, W ← W − lr·v, v₀ = 0:
    convention 15) are torch.optim.SGD with dampening 0, no Nesterov, no weight decay."""
    if spec["kind"] == "sgd":
        return torch.optim.SGD(params, lr=spec["lr"], foreach=False)
    if spec["kind"] == "momentum":
        return torch.optim.SGD(params, lr=spec["lr"], momentum=spec["beta"], dampening=0.0, foreach=False)
    return GlobalStepAdam(params, spec["lr"], spec["beta1"], spec["beta2"], spec["eps"])


def global_norm(grads: list[torch.Tensor]) -> torch.Tensor:
    """‖g‖ = sqrt(Σ g²) over all the tensors."""
    return torch.sqrt(sum((g * g).sum() for g in grads)) if grads else torch.tensor(0.0)


@torch.no_grad()
def clip_by_global_norm(grads: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Convention 17: if ‖g‖ > max_norm, g ← g · max_norm/‖g‖, with no ε; returns the norm before clipping.

    Not torch.nn.utils.clip_grad_norm_, which scales by max_norm/(‖g‖ + 1e-6) (clamped to 1): its clipped
    gradients miss the convention's by a relative 1e-6/‖g‖, a thousand times the float64 tolerance at ‖g‖ ~ 1."""
    norm = global_norm(grads)
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g.mul_(scale)
    return norm


# ---------------------------------------------------------------------------------------------------------------
# Model scenarios
# ---------------------------------------------------------------------------------------------------------------

NOT_DIFFERENTIATED = ("probs", "loss")  # probs is off the loss's path (F.cross_entropy reads the logits)


def run_model(s: dict, paths=None) -> dict:
    c = tc.model_config(s.get("config"))
    shapes = tc.param_shapes(c)
    model = build_model(c, tc.model_weights(s, shapes))
    params = dict(model.named_parameters())
    examples = tc.examples(s)
    trace: dict = {}
    opt = None
    for step in tc.steps(s, shapes):
        sid = step.id
        if step.do == "forward":
            with torch.no_grad():
                losses = []
                for i, ex in enumerate(examples):
                    tr, loss = model(ex)
                    trace.update({f"{sid}/{i}/{k}": v for k, v in tr.items()})
                    losses.append(loss)
                if examples and all(loss is not None for loss in losses):
                    trace[f"{sid}/loss"] = torch.stack(losses).mean()
        else:
            if opt is None:
                opt = make_optimizer(tc.optimizer(s.get("optimizer")), model.parameters())
            if not examples:
                raise tc.InvalidInput("a batch needs at least one example")
            if c["head"] == "none":
                raise tc.InvalidInput("a model without a head has no loss to differentiate")
            losses = []
            for i, ex in enumerate(examples):
                target = ex.get("target") if isinstance(ex, dict) else None
                if c["head"] == "classification":  # a train step needs every example's target
                    tc.strict_class_index(target, c["outDim"])
                else:
                    tc.strict_regression_target(target, c["outDim"])
                tr, loss = model(ex)
                losses.append(loss)
                # this example's own gradients, of its loss L_i: every intermediate and every parameter
                inter = [k for k in tr if k not in NOT_DIFFERENTIATED]
                gs = grads_of(loss, [tr[k] for k in inter] + list(params.values()), retain=True)
                for k, g in zip(inter + list(params), gs):
                    trace[f"{sid}/{i}/grad.{k}"] = g
                trace.update({f"{sid}/{i}/{k}": v for k, v in tr.items()})
            # the batch loss is the mean, so the gradient applied is the mean of the examples' (convention 8)
            batch_loss = torch.stack(losses).mean()
            opt.zero_grad(set_to_none=True)
            batch_loss.backward()
            trainable = [params[n] for n in step.trainable]
            if step.clip is not None:
                norm = clip_by_global_norm([p.grad for p in trainable], step.clip)
            else:
                norm = global_norm([p.grad for p in trainable])
            trace[f"{sid}/loss"] = batch_loss
            trace[f"{sid}/grad_norm"] = norm
            for n, p in params.items():
                trace[f"{sid}/grad.{n}"] = p.grad.clone()
            keep = set(step.trainable)
            for n, p in params.items():
                if n not in keep:
                    p.grad = None  # the optimizer leaves a parameter without a gradient alone
            opt.step()
            for n, p in params.items():
                state = opt.state.get(p, {})
                if state.get("momentum_buffer") is not None:
                    trace[f"{sid}/momentum.v.{n}"] = state["momentum_buffer"].clone()
                if "exp_avg" in state:
                    trace[f"{sid}/adam.m.{n}"] = state["exp_avg"].clone()
                    trace[f"{sid}/adam.v.{n}"] = state["exp_avg_sq"].clone()
        for n, p in params.items():
            trace[f"{sid}/param.{n}"] = p.detach().clone()
    return trace


# ---------------------------------------------------------------------------------------------------------------
# Ops: one function per op, reading its arguments through tc.Args (a.tensor gives a float64 torch tensor)
# ---------------------------------------------------------------------------------------------------------------

def same_size(a: tc.Args, x: torch.Tensor, y: torch.Tensor, what: str) -> None:
    if x.numel() != y.numel():
        raise tc.InvalidInput(f"{a.id}: {what} have {x.numel()} and {y.numel()} values")


def matrix(a: tc.Args, name: str) -> torch.Tensor:
    return as_matrix(a.tensor(name), a.where(name))


def leaf(x: torch.Tensor) -> torch.Tensor:
    """x as a leaf of a new graph, for autograd to differentiate with respect to."""
    return x.detach().clone().requires_grad_(True)


def upstream(a: tc.Args, like: torch.Tensor) -> torch.Tensor:
    up = a.tensor("upstream")
    same_size(a, up, like, "upstream and the output")
    return up.reshape(like.shape)


def op_matmul(a: tc.Args) -> dict:
    A, B = matrix(a, "A"), matrix(a, "B")
    if A.shape[1] != B.shape[0]:
        raise tc.InvalidInput(f"{a.id}: A is {A.shape[0]}×{A.shape[1]} but B is {B.shape[0]}×{B.shape[1]}")
    return {"C": A @ B}


def op_matvec(a: tc.Args) -> dict:
    M, x = matrix(a, "M"), a.tensor("x").reshape(-1)
    if x.numel() != M.shape[1]:
        raise tc.InvalidInput(f"{a.id}: M is {M.shape[0]}×{M.shape[1]} but x has {x.numel()} values")
    return {"y": M @ x}


def op_dot(a: tc.Args) -> dict:
    x, y = a.tensor("a"), a.tensor("b")
    same_size(a, x, y, "a and b")
    return {"value": torch.dot(x.reshape(-1), y.reshape(-1))}


def op_subtract(a: tc.Args) -> dict:
    x, y = a.tensor("a"), a.tensor("b")
    same_size(a, x, y, "a and b")
    return {"value": x - y.reshape(x.shape)}


def op_outer(a: tc.Args) -> dict:
    return {"C": torch.outer(a.tensor("a").reshape(-1), a.tensor("b").reshape(-1))}


def op_softmax(a: tc.Args) -> dict:
    x = a.tensor("x")
    X = leaf(as_matrix(x, a.where("x")))
    y = torch.softmax(X, dim=1)
    with torch.no_grad():  # the steps of the computation, as the worksheets print them
        mx = X.max(dim=1).values
        shifted = X - mx[:, None]
        exps = torch.exp(shifted)
        total = exps.sum(dim=1)
    per_row = (lambda v: v[0]) if x.dim() == 1 else (lambda v: v)
    out = {"max": per_row(mx), "shifted": shifted.reshape(x.shape), "exps": exps.reshape(x.shape),
           "sum": per_row(total), "y": y.reshape(x.shape)}
    if "upstream" in a:
        (dx,) = grads_of(y, [X], upstream(a, y))
        out["dx"] = dx.reshape(x.shape)
    return out


def op_relu(a: tc.Args) -> dict:
    z = leaf(a.tensor("z"))
    y = torch.relu(z)
    out = {"y": y}
    if "upstream" in a:
        (out["dz"],) = grads_of(y, [z], upstream(a, y))
    return out


def class_target(a: tc.Args, n: int) -> int:
    target = tc.class_index(a.get("target"), n)
    if target is None:
        raise tc.InvalidInput(f"{a.where('target')}: expected a class index 0..{n - 1}")
    return target


def op_cross_entropy(a: tc.Args) -> dict:
    logits = leaf(a.tensor("logits").reshape(-1))
    target = class_target(a, logits.numel())
    loss = F.cross_entropy(logits[None], torch.tensor([target]))
    (dlogits,) = grads_of(loss, [logits])
    return {"probs": torch.softmax(logits, dim=0), "loss": loss, "dlogits": dlogits}


def op_cross_entropy_grad(a: tc.Args) -> dict:
    # Its input is the probabilities, not the logits, so there is no graph for autograd to run back through:
    # the op is convention 5's formula itself, dL/dlogits = p − onehot(target).
    probs = a.tensor("probs").reshape(-1)
    target = class_target(a, probs.numel())
    return {"dlogits": probs - F.one_hot(torch.tensor(target), probs.numel()).to(F64)}


def op_mse(a: tc.Args) -> dict:
    y, t, factor = leaf(a.tensor("y")), a.tensor("t"), a.number("factor")
    same_size(a, y, t, "y and t")
    loss = factor * F.mse_loss(y, t.reshape(y.shape), reduction="mean")
    (dy,) = grads_of(loss, [y])
    return {"loss": loss, "dy": dy}


def op_layer_norm(a: tc.Args) -> dict:
    x = a.tensor("x")
    X = leaf(as_matrix(x, a.where("x")))
    d = X.shape[1]
    gamma, beta, eps = leaf(a.tensor("gamma").reshape(-1)), leaf(a.tensor("beta").reshape(-1)), a.number("eps")
    if gamma.numel() != d or beta.numel() != d:
        raise tc.InvalidInput(f"{a.id}: gamma and beta need {d} values")
    y = F.layer_norm(X, (d,), gamma, beta, eps)
    out = {"y": y.reshape(x.shape)}
    if "upstream" in a:
        dx, dgamma, dbeta = grads_of(y, [X, gamma, beta], upstream(a, y))
        out.update({"dx": dx.reshape(x.shape), "dgamma": dgamma, "dbeta": dbeta})
    return out


def op_attention(a: tc.Args) -> dict:
    Q = leaf(matrix(a, "Q"))
    T, d = Q.shape
    heads = a.integer("heads", 1)
    if d % heads:
        raise tc.InvalidInput(f"{a.id}: d {d} is not divisible by heads {heads}")
    K, V = a.tensor("K"), a.tensor("V")
    same_size(a, K, Q, "K and Q")
    same_size(a, V, Q, "V and Q")
    K, V = leaf(K.reshape(T, d)), leaf(V.reshape(T, d))
    out = attention(Q, K, V, heads, a.flag("causal"))
    if "upstream" in a:
        out["dQ"], out["dK"], out["dV"] = grads_of(out["context"], [Q, K, V], upstream(a, out["context"]))
    return out


def op_embedding_backward(a: tc.Args) -> dict:
    tokens = [tc.integer(v, a.where("tokens")) for v in a.tensor("tokens").reshape(-1).tolist()]
    dX = matrix(a, "dX")
    vocab = a.integer("vocab", 1)
    if dX.shape[0] != len(tokens):
        raise tc.InvalidInput(f"{a.id}: {len(tokens)} tokens but dX has {dX.shape[0]} rows")
    for tok in tokens:
        if not 0 <= tok < vocab:
            raise tc.InvalidInput(f"{a.id}: token {tok} outside 0..{vocab - 1}")
    E = leaf(torch.zeros(vocab, dX.shape[1]))
    X = F.embedding(torch.tensor(tokens, dtype=torch.long), E)
    (dE,) = grads_of(X, [E], dX)  # rows of a repeated token accumulate (convention 14)
    return {"dE": dE}


def op_mlp_mse(a: tc.Args) -> dict:
    x = matrix(a, "x")
    W_1, W_2 = leaf(matrix(a, "W_1")), leaf(matrix(a, "W_2"))
    b_1, b_2 = leaf(a.tensor("b_1").reshape(-1)), leaf(a.tensor("b_2").reshape(-1))
    rows, din = x.shape
    dh, dout = W_1.shape[1], W_2.shape[1]
    if W_1.shape[0] != din or W_2.shape[0] != dh or b_1.numel() != dh or b_2.numel() != dout:
        raise tc.InvalidInput(f"{a.id}: x {list(x.shape)}, W_1 {list(W_1.shape)}, b_1 [{b_1.numel()}], "
                              f"W_2 {list(W_2.shape)}, b_2 [{b_2.numel()}] do not fit together")
    target, factor = a.tensor("target"), a.number("factor")
    if target.numel() != rows * dout:
        raise tc.InvalidInput(f"{a.id}: target needs {rows * dout} values, got {target.numel()}")
    hidden = x @ W_1 + b_1
    act = torch.relu(hidden)
    output = act @ W_2 + b_2
    loss = factor * F.mse_loss(output, target.reshape(rows, dout), reduction="mean")
    g = grads_of(loss, [output, W_2, b_2, act, hidden, W_1, b_1])
    return {"hidden": hidden, "act": act, "output": output, "loss": loss,
            **dict(zip(("doutput", "dW_2", "db_2", "dact", "dhidden", "dW_1", "db_1"), g))}


def optimizer_op(kind: str):
    """The optimizer's trajectory from w on the given gradients, one step per |w| values."""

    def op(a: tc.Args) -> dict:
        w0, grads = a.tensor("w").reshape(-1), a.tensor("grads").reshape(-1)
        n = w0.numel()
        if grads.numel() % n:
            raise tc.InvalidInput(f"{a.where('grads')}: {grads.numel()} values do not split into steps of {n}")
        spec = {"kind": kind, "lr": a.number("lr")}
        if kind == "momentum":
            spec["beta"] = a.number("beta")
        if kind == "adam":
            spec.update({"beta1": a.number("beta1"), "beta2": a.number("beta2"), "eps": a.number("eps")})
        w = nn.Parameter(w0.clone())
        opt = make_optimizer(spec, [w])
        traj = []
        for g in grads.reshape(-1, n):
            w.grad = g.clone()
            opt.step()
            traj.append(w.detach().clone())
        return {"trajectory": torch.stack(traj)}

    return op


def op_gd_quadratic(a: tc.Args) -> dict:
    """Gradient descent on L(w) = ½(w − center)², the gradient by autograd, the step by torch.optim.SGD."""
    w0, center, lr = a.number("w"), a.number("center"), a.number("lr")
    steps = a.integer("steps", 1)
    w = nn.Parameter(torch.tensor([w0]))
    opt = torch.optim.SGD([w], lr=lr, foreach=False)
    traj = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        (0.5 * (w - center) ** 2).sum().backward()
        opt.step()
        traj.append(w.detach().clone())
    return {"trajectory": torch.stack(traj)}


def op_clip_grad_norm(a: tc.Args) -> dict:
    g, max_norm = a.tensor("g").clone(), a.number("max_norm")
    norm = clip_by_global_norm([g], max_norm)
    return {"norm": norm, "clipped": g}


def op_central_difference(a: tc.Args) -> dict:
    plus, minus = torch.tensor(a.number("loss_plus")), torch.tensor(a.number("loss_minus"))
    return {"gradient": (plus - minus) / (2.0 * a.number("eps"))}


def op_param_count(a: tc.Args) -> dict:
    """What the nn.Module allocates for the configuration."""
    model = build_model(tc.model_config(a.get("config")))
    return {"count": float(sum(p.numel() for p in model.parameters()))}


OPS = {
    "matmul": op_matmul, "matvec": op_matvec, "dot": op_dot, "subtract": op_subtract, "outer": op_outer,
    "softmax": op_softmax, "relu": op_relu, "cross_entropy": op_cross_entropy,
    "cross_entropy_grad": op_cross_entropy_grad, "mse": op_mse, "layer_norm": op_layer_norm,
    "attention": op_attention, "embedding_backward": op_embedding_backward, "mlp_mse": op_mlp_mse,
    "sgd": optimizer_op("sgd"), "momentum": optimizer_op("momentum"), "adam": optimizer_op("adam"),
    "gd_quadratic": op_gd_quadratic, "clip_grad_norm": op_clip_grad_norm,
    "central_difference": op_central_difference, "param_count": op_param_count,
}


if __name__ == "__main__":
    tc.serve(NAME, VERSION, ops=OPS, model=run_model, features=FEATURES, to_array=to_tensor)
