#!/usr/bin/env python3
"""An independent float64 transformer for the tconf conformance suite, in Python with NumPy.

It speaks the JSON Lines process protocol of spec/protocol.md on stdin/stdout: a `hello` handshake declaring
its capabilities, `run` requests carrying a model or ops scenario (answered with a trace of named tensors or an
error), and `shutdown`. The math follows spec/conventions.md (row vectors, post-LN blocks, biased variance,
ReLU'(0) = 0, mean batch loss, heavy-ball momentum, bias-corrected Adam, global-norm clipping). The backward
pass is written by hand over whole arrays ([T×d] sequences, [heads×T×T] attention maps).

Only the standard library and NumPy. Nothing but protocol lines is written to stdout; diagnostics go to stderr.
"""
from __future__ import annotations

import json
import math
import sys
import traceback

try:
    import numpy as np
except ImportError:  # a python3 without NumPy (say a pyenv build): say so on stderr, not on the protocol stream
    sys.stderr.write(f"tconf_numpy.py needs NumPy; {sys.executable} has none (Debian: apt-get install python3-numpy)\n")
    sys.exit(1)

NAME = "numpy-example"
VERSION = "0.1.0"
PROTOCOL_VERSION = 1

OPS = [
    "matmul", "matvec", "dot", "subtract", "outer", "softmax", "relu", "cross_entropy", "cross_entropy_grad",
    "mse", "layer_norm", "attention", "embedding_backward", "mlp_mse", "sgd", "momentum", "adam", "gd_quadratic",
    "clip_grad_norm", "central_difference", "param_count",
]
FEATURES = [
    "forward", "backward", "multi-head", "causal", "layer-norm", "ffn", "residual", "positional",
    "attn-projection", "regression", "continuous-input", "batch", "sgd", "momentum", "adam", "clip",
]

# Overflow, 0·∞ and the like are legitimate results here (sent as "Infinity"/"NaN"), not warnings to print.
np.seterr(all="ignore")


class ScenarioError(Exception):
    """A scenario (or request) this implementation cannot run; reported as an error response."""


# ---------------------------------------------------------------------------------------------------------------
# Argument checking: JSON values → float64 arrays
# ---------------------------------------------------------------------------------------------------------------

def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def shape_of(x, where: str) -> tuple:
    """The shape of a nested list of numbers; rejects ragged lists, empty lists and non-numbers."""
    if is_number(x):
        return ()
    if not isinstance(x, list) or not x:
        raise ScenarioError(f"{where}: expected a number or a non-empty list")
    inner = shape_of(x[0], f"{where}[0]")
    for i, e in enumerate(x[1:], 1):
        s = shape_of(e, f"{where}[{i}]")
        if s != inner:
            raise ScenarioError(f"{where}: ragged list (row {i} has shape {list(s)} but row 0 has {list(inner)})")
    return (len(x),) + inner


def array(x, where: str) -> np.ndarray:
    """A nested list (or a number) as a float64 array of its own shape; every value must be finite."""
    shape = shape_of(x, where)
    a = np.array(x, dtype=np.float64).reshape(shape)
    if not np.isfinite(a).all():
        raise ScenarioError(f"{where}: values must be finite numbers")
    return a


def number(v, where: str) -> float:
    if not is_number(v) or not math.isfinite(v):
        raise ScenarioError(f"{where}: expected a finite number")
    return float(v)


def integer(v, where: str, low: int | None = None) -> int:
    if not is_number(v) or not math.isfinite(v) or float(v) != int(v):
        raise ScenarioError(f"{where}: expected an integer (got {v!r})")
    n = int(v)
    if low is not None and n < low:
        raise ScenarioError(f"{where}: must be at least {low} (got {n})")
    return n


def as_matrix(a: np.ndarray, where: str) -> np.ndarray:
    """A vector as one row, or a matrix; anything else is an error."""
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    raise ScenarioError(f"{where}: expected a vector or a matrix, got shape {list(a.shape)}")


# ---------------------------------------------------------------------------------------------------------------
# Building blocks (forward and backward), on whole arrays
# ---------------------------------------------------------------------------------------------------------------

def softmax_rows(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, the row max subtracted first; −∞ entries (masked keys) get exactly 0."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_rows_backward(dy: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dx = y ⊙ (dy − Σ_k dy_k y_k), the full Jacobian-vector product, row by row."""
    return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


def relu_backward(dy: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ReLU'(z) = 1 if z > 0 else 0 (so ReLU'(0) = 0)."""
    return np.where(z > 0, dy, 0.0)


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    """Post-LN row normalisation with the biased variance; returns y and (x̂, rstd) for the backward pass."""
    mu = x.mean(axis=-1, keepdims=True)
    centred = x - mu
    rstd = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)
    xhat = centred * rstd
    return gamma * centred * rstd + beta, (xhat, rstd)


def layer_norm_backward(dy: np.ndarray, gamma: np.ndarray, cache):
    """dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)) with g = dy ⊙ γ;  dγ = Σ dy ⊙ x̂;  dβ = Σ dy."""
    xhat, rstd = cache
    g = dy * gamma
    dx = rstd * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0)


def split_heads(x: np.ndarray, heads: int) -> np.ndarray:
    """[T×d] → [heads×T×dk]: head h owns the contiguous columns [h·dk, (h+1)·dk)."""
    T, d = x.shape
    return x.reshape(T, heads, d // heads).transpose(1, 0, 2)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """[heads×T×dk] → [T×d], heads concatenated in order."""
    H, T, dk = x.shape
    return x.transpose(1, 0, 2).reshape(T, H * dk)


def attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, heads: int, causal: bool) -> dict:
    """Scaled dot-product attention per head. Raw and scaled scores are kept unmasked; masked weights are 0."""
    T, d = Q.shape
    scale = 1.0 / math.sqrt(d // heads)
    Qh, Kh, Vh = split_heads(Q, heads), split_heads(K, heads), split_heads(V, heads)
    scores = Qh @ Kh.transpose(0, 2, 1)
    scaled = scores * scale
    masked = np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, scaled) if causal else scaled
    weights = softmax_rows(masked)
    return {"Qh": Qh, "Kh": Kh, "Vh": Vh, "scale": scale, "scores": scores, "scaled": scaled,
            "weights": weights, "context": merge_heads(weights @ Vh)}


def attention_backward(dcontext: np.ndarray, a: dict, heads: int) -> dict:
    """dweights = dC_h V_hᵀ; dV_h = weightsᵀ dC_h; softmax backward to dscaled; dscores = dscaled/√dk; dQ, dK."""
    dC = split_heads(dcontext, heads)
    w = a["weights"]
    dweights = dC @ a["Vh"].transpose(0, 2, 1)
    dV = w.transpose(0, 2, 1) @ dC
    dscaled = softmax_rows_backward(dweights, w)
    dscores = dscaled * a["scale"]
    dQ = dscores @ a["Kh"]
    dK = dscores.transpose(0, 2, 1) @ a["Qh"]
    return {"weights": dweights, "scaled": dscaled, "scores": dscores,
            "Q": merge_heads(dQ), "K": merge_heads(dK), "V": merge_heads(dV)}


def sinusoidal_positions(T: int, d: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    pos = np.arange(T, dtype=np.float64)[:, None]
    j = np.arange(d)
    angle = pos / np.power(10000.0, (j - j % 2) / d)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle))


# ---------------------------------------------------------------------------------------------------------------
# The model: configuration, parameters, forward and backward of one example
# ---------------------------------------------------------------------------------------------------------------

STAGE10 = {
    "vocab": 20, "dModel": 64, "heads": 4, "dFF": 256, "layers": 2, "seqLen": 8, "causal": False,
    "positional": "sinusoidal", "input": "tokens", "inDim": 0, "attnProjection": True, "attnResidual": True,
    "ffnResidual": True, "layerNorm": True, "ffnBias": True, "lnEps": 1e-5, "head": "classification",
    "outDim": 20, "headBias": True, "mseFactor": 0.5,
}
CHOICES = {"positional": ("sinusoidal", "none"), "input": ("tokens", "continuous"),
           "head": ("classification", "regression", "none")}


def make_config(over) -> dict:
    """The Stage 10 defaults with the scenario's overrides, checked for consistency."""
    if over is None:
        over = {}
    if not isinstance(over, dict):
        raise ScenarioError("config must be an object")
    c = {**STAGE10, **over}
    problems = []
    for k in ("vocab", "dModel", "heads", "layers", "seqLen", "outDim", "dFF", "inDim"):
        v = c[k]
        low = 0 if k in ("dFF", "inDim") else 1
        if not is_number(v) or not math.isfinite(v) or float(v) != int(v) or int(v) < low:
            problems.append(f"{k} must be {'a non-negative' if low == 0 else 'a positive'} integer (got {v!r})")
        else:
            c[k] = int(v)
    for k in ("causal", "attnProjection", "attnResidual", "ffnResidual", "layerNorm", "ffnBias", "headBias"):
        if not isinstance(c[k], bool):
            problems.append(f"{k} must be true or false (got {c[k]!r})")
    for k, allowed in CHOICES.items():
        if c[k] not in allowed:
            problems.append(f"{k} must be one of {', '.join(allowed)} (got {c[k]!r})")
    for k in ("lnEps", "mseFactor"):
        if not is_number(c[k]) or not math.isfinite(c[k]):
            problems.append(f"{k} must be a finite number")
    if not problems:
        if c["dModel"] % c["heads"]:
            problems.append(f"dModel {c['dModel']} is not divisible by heads {c['heads']}")
        if c["positional"] == "sinusoidal" and c["dModel"] % 2:
            problems.append("sinusoidal positions need an even dModel")
        if c["input"] == "continuous" and c["inDim"] < 1:
            problems.append("continuous input needs inDim >= 1")
        if not c["lnEps"] > 0:
            problems.append("lnEps must be positive")
    if problems:
        raise ScenarioError(f"invalid model config: {'; '.join(problems)}")
    return c


def param_shapes(c: dict) -> dict:
    """Every parameter of the model, in the suite's fixed order, with its shape."""
    d, ff = c["dModel"], c["dFF"]
    s: dict[str, tuple] = {}
    if c["input"] == "tokens":
        s["embedding.E"] = (c["vocab"], d)
    else:
        s["input.W_in"] = (c["inDim"], d)
        s["input.b_in"] = (d,)
    for l in range(c["layers"]):
        b = f"blocks.{l}"
        for w in ("W_Q", "W_K", "W_V") + (("W_O",) if c["attnProjection"] else ()):
            s[f"{b}.attn.{w}"] = (d, d)
        if c["layerNorm"]:
            s[f"{b}.ln1.gamma"] = (d,)
            s[f"{b}.ln1.beta"] = (d,)
        if ff > 0:
            s[f"{b}.ffn.W_1"] = (d, ff)
            if c["ffnBias"]:
                s[f"{b}.ffn.b_1"] = (ff,)
            s[f"{b}.ffn.W_2"] = (ff, d)
            if c["ffnBias"]:
                s[f"{b}.ffn.b_2"] = (d,)
            if c["layerNorm"]:
                s[f"{b}.ln2.gamma"] = (d,)
                s[f"{b}.ln2.beta"] = (d,)
    if c["head"] != "none":
        s["head.W_out"] = (d, c["outDim"])
        if c["headBias"]:
            s["head.b_out"] = (c["outDim"],)
    return s


def load_weights(scenario: dict, shapes: dict) -> dict:
    weights = scenario.get("weights") or {}
    if not isinstance(weights, dict):
        raise ScenarioError("weights must be an object")
    params = {}
    for name, value in weights.items():
        if name not in shapes:
            raise ScenarioError(f"weights.{name}: the model has no such parameter (it has {', '.join(shapes)})")
        a = array(value, f"weights.{name}")
        want = shapes[name]
        # a flat list of the right size is accepted for a matrix; a matrix must have the parameter's shape
        if a.size != math.prod(want) or (a.ndim > 1 and a.shape != want):
            raise ScenarioError(f"weights.{name}: shape {list(a.shape)} does not match the parameter's {list(want)}")
        params[name] = a.reshape(want).copy()
    for name in shapes:
        if name not in params:
            raise ScenarioError(f"weights.{name} is not given (this implementation has no seeded initialiser)")
    return params


def class_index(target, out_dim: int):
    """The class index of a classification target, or None when it is not a valid one."""
    if is_number(target) and math.isfinite(target) and float(target) == int(target) and 0 <= int(target) < out_dim:
        return int(target)
    return None


def regression_target(target, out_dim: int):
    if isinstance(target, list) and len(target) >= out_dim and all(is_number(v) for v in target[:out_dim]):
        return np.array(target[:out_dim], dtype=np.float64)
    return None


class Model:
    def __init__(self, config: dict, params: dict):
        self.c = config
        self.p = params

    # -- forward ---------------------------------------------------------------------------------------------
    def forward(self, ex) -> dict:
        """One example: the named trace and everything the backward pass needs."""
        c, p = self.c, self.p
        d, H = c["dModel"], c["heads"]
        if not isinstance(ex, dict):
            raise ScenarioError("an example must be an object")
        key = "tokens" if c["input"] == "tokens" else "inputs"
        seq = ex.get(key)
        if not isinstance(seq, list) or not seq:
            raise ScenarioError(f"example needs a non-empty {key} list")
        T = len(seq)
        if T > c["seqLen"]:
            raise ScenarioError(f"sequence of {T} positions exceeds seqLen {c['seqLen']}")
        f = {"ex": ex, "T": T, "trace": {}}
        if c["input"] == "tokens":
            tokens = [integer(t, "token") for t in seq]
            for t in tokens:
                if not 0 <= t < c["vocab"]:
                    raise ScenarioError(f"token {t} outside vocab 0..{c['vocab'] - 1}")
            f["tokens"] = np.array(tokens, dtype=np.intp)
            X = p["embedding.E"][f["tokens"]]
        else:
            inputs = array(seq, "inputs")
            if inputs.shape != (T, c["inDim"]):
                raise ScenarioError(f"inputs must be {T}×{c['inDim']}")
            f["inputs"] = inputs
            X = inputs @ p["input.W_in"] + p["input.b_in"]
        if c["positional"] == "sinusoidal":
            X = X + sinusoidal_positions(T, d)
        tr = f["trace"]
        tr["X"] = X

        x = X
        f["blocks"] = []
        for l in range(c["layers"]):
            b = f"blocks.{l}"
            k = {"x": x}
            Q, K, V = x @ p[f"{b}.attn.W_Q"], x @ p[f"{b}.attn.W_K"], x @ p[f"{b}.attn.W_V"]
            a = attention(Q, K, V, H, c["causal"])
            k["attn"] = a
            attn_out = a["context"] @ p[f"{b}.attn.W_O"] if c["attnProjection"] else a["context"]
            tr.update({f"{b}.attn.Q": Q, f"{b}.attn.K": K, f"{b}.attn.V": V, f"{b}.attn.scores": a["scores"],
                       f"{b}.attn.scaled": a["scaled"], f"{b}.attn.weights": a["weights"],
                       f"{b}.attn.context": a["context"], f"{b}.attn.out": attn_out})
            res1 = x + attn_out if c["attnResidual"] else attn_out
            if c["attnResidual"]:
                tr[f"{b}.res1"] = res1
            h1 = res1
            if c["layerNorm"]:
                h1, k["ln1"] = layer_norm(res1, p[f"{b}.ln1.gamma"], p[f"{b}.ln1.beta"], c["lnEps"])
                tr[f"{b}.ln1"] = h1
            k["h1"] = h1
            out = h1
            if c["dFF"] > 0:
                hidden = h1 @ p[f"{b}.ffn.W_1"]
                if c["ffnBias"]:
                    hidden = hidden + p[f"{b}.ffn.b_1"]
                act = np.maximum(hidden, 0.0)
                ffn_out = act @ p[f"{b}.ffn.W_2"]
                if c["ffnBias"]:
                    ffn_out = ffn_out + p[f"{b}.ffn.b_2"]
                k["hidden"], k["act"] = hidden, act
                tr.update({f"{b}.ffn.hidden": hidden, f"{b}.ffn.act": act, f"{b}.ffn.out": ffn_out})
                res2 = h1 + ffn_out if c["ffnResidual"] else ffn_out
                if c["ffnResidual"]:
                    tr[f"{b}.res2"] = res2
                out = res2
                if c["layerNorm"]:
                    out, k["ln2"] = layer_norm(res2, p[f"{b}.ln2.gamma"], p[f"{b}.ln2.beta"], c["lnEps"])
                    tr[f"{b}.ln2"] = out
            tr[f"{b}.out"] = out
            f["blocks"].append(k)
            x = out

        final = x[-1]
        f["final"] = final
        tr["final_repr"] = final
        f["loss"] = math.nan
        if c["head"] != "none":
            y = final @ p["head.W_out"]
            if c["headBias"]:
                y = y + p["head.b_out"]
            f["y"] = y
            if c["head"] == "classification":
                probs = softmax_rows(y)
                f["probs"] = probs
                tr["logits"], tr["probs"] = y, probs
                t = class_index(ex.get("target"), c["outDim"])
                if t is not None:
                    f["loss"] = float(-np.log(probs[t]))
            else:
                tr["prediction"] = y
                t = regression_target(ex.get("target"), c["outDim"])
                if t is not None:
                    f["loss"] = float(c["mseFactor"] * np.sum((y - t) ** 2) / c["outDim"])
            if not math.isnan(f["loss"]):
                tr["loss"] = np.float64(f["loss"])
        return f

    # -- backward ----------------------------------------------------------------------------------------------
    def backward(self, f: dict):
        """dL_i/d(everything) of one example's own loss: (intermediate gradients by trace name, parameter gradients)."""
        c, p = self.c, self.p
        H = c["heads"]
        ex = f["ex"]
        if c["head"] == "none":
            raise ScenarioError("a model without a head has no loss to differentiate")
        g: dict[str, np.ndarray] = {}
        gt: dict[str, np.ndarray] = {}
        if c["head"] == "classification":
            t = class_index(ex.get("target"), c["outDim"])
            if t is None:
                raise ScenarioError(f"classification target must be a class index 0..{c['outDim'] - 1}")
            dy = f["probs"].copy()
            dy[t] -= 1.0
            gt["grad.logits"] = dy
        else:
            tgt = ex.get("target")
            if not isinstance(tgt, list) or len(tgt) != c["outDim"]:
                raise ScenarioError(f"regression target must be a list of {c['outDim']} numbers")
            t = regression_target(tgt, c["outDim"])
            if t is None:
                raise ScenarioError(f"regression target must be a list of {c['outDim']} numbers")
            dy = 2.0 * c["mseFactor"] * (f["y"] - t) / c["outDim"]
            gt["grad.prediction"] = dy
        g["head.W_out"] = np.outer(f["final"], dy)
        if c["headBias"]:
            g["head.b_out"] = dy.copy()
        dfinal = p["head.W_out"] @ dy
        gt["grad.final_repr"] = dfinal

        T, d = f["T"], c["dModel"]
        dout = np.zeros((T, d))
        dout[-1] = dfinal
        for l in reversed(range(c["layers"])):
            b = f"blocks.{l}"
            k = f["blocks"][l]
            gt[f"grad.{b}.out"] = dout
            dh1 = dout
            if c["dFF"] > 0:
                dres2 = dout
                if c["layerNorm"]:
                    gt[f"grad.{b}.ln2"] = dout
                    dres2, g[f"{b}.ln2.gamma"], g[f"{b}.ln2.beta"] = layer_norm_backward(dout, p[f"{b}.ln2.gamma"], k["ln2"])
                if c["ffnResidual"]:
                    gt[f"grad.{b}.res2"] = dres2
                dffn = dres2
                dact = dffn @ p[f"{b}.ffn.W_2"].T
                g[f"{b}.ffn.W_2"] = k["act"].T @ dffn
                if c["ffnBias"]:
                    g[f"{b}.ffn.b_2"] = dffn.sum(axis=0)
                dhidden = relu_backward(dact, k["hidden"])
                g[f"{b}.ffn.W_1"] = k["h1"].T @ dhidden
                if c["ffnBias"]:
                    g[f"{b}.ffn.b_1"] = dhidden.sum(axis=0)
                dh1 = dhidden @ p[f"{b}.ffn.W_1"].T
                if c["ffnResidual"]:
                    dh1 = dh1 + dres2
                gt.update({f"grad.{b}.ffn.out": dffn, f"grad.{b}.ffn.act": dact, f"grad.{b}.ffn.hidden": dhidden})
            dres1 = dh1
            if c["layerNorm"]:
                gt[f"grad.{b}.ln1"] = dh1
                dres1, g[f"{b}.ln1.gamma"], g[f"{b}.ln1.beta"] = layer_norm_backward(dh1, p[f"{b}.ln1.gamma"], k["ln1"])
            if c["attnResidual"]:
                gt[f"grad.{b}.res1"] = dres1
            dattn = dres1
            a = k["attn"]
            if c["attnProjection"]:
                g[f"{b}.attn.W_O"] = a["context"].T @ dattn
                dcontext = dattn @ p[f"{b}.attn.W_O"].T
            else:
                dcontext = dattn
            ab = attention_backward(dcontext, a, H)
            x = k["x"]
            dx = ab["Q"] @ p[f"{b}.attn.W_Q"].T + ab["K"] @ p[f"{b}.attn.W_K"].T + ab["V"] @ p[f"{b}.attn.W_V"].T
            for w in ("Q", "K", "V"):
                g[f"{b}.attn.W_{w}"] = x.T @ ab[w]
            if c["attnResidual"]:
                dx = dx + dres1
            gt[f"grad.{b}.attn.out"] = dattn
            for name in ("weights", "scaled", "scores", "Q", "K", "V"):
                gt[f"grad.{b}.attn.{name}"] = ab[name]
            gt[f"grad.{b}.attn.context"] = dcontext
            dout = dx
        gt["grad.X"] = dout
        if c["input"] == "tokens":
            dE = np.zeros_like(p["embedding.E"])
            np.add.at(dE, f["tokens"], dout)  # a repeated token accumulates every position's gradient
            g["embedding.E"] = dE
        else:
            g["input.W_in"] = f["inputs"].T @ dout
            g["input.b_in"] = dout.sum(axis=0)
        return gt, g


# ---------------------------------------------------------------------------------------------------------------
# Optimizers (state carried across the train steps of one scenario)
# ---------------------------------------------------------------------------------------------------------------

class Optimizer:
    def __init__(self, spec):
        if spec is None:
            spec = {"kind": "sgd", "lr": 0.1}
        if not isinstance(spec, dict):
            raise ScenarioError("optimizer must be an object")
        self.kind = spec.get("kind")
        if self.kind == "sgd":
            self.lr = number(spec.get("lr"), "optimizer.lr")
        elif self.kind == "momentum":
            self.lr = number(spec.get("lr"), "optimizer.lr")
            self.beta = number(spec.get("beta"), "optimizer.beta")
        elif self.kind == "adam":
            h = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
            for k in h:
                if k in spec:
                    h[k] = number(spec[k], f"optimizer.{k}")
            self.lr, self.beta1, self.beta2, self.eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
        else:
            raise ScenarioError(f"unknown optimizer kind {self.kind!r} (sgd, momentum, adam)")
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict, names: list) -> None:
        if self.kind == "sgd":
            for n in names:
                params[n] -= self.lr * grads[n]
        elif self.kind == "momentum":
            for n in names:
                v = self.velocity.setdefault(n, np.zeros_like(params[n]))
                v[...] = self.beta * v + grads[n]
                params[n] -= self.lr * v
        else:
            self.t += 1
            c1 = 1.0 - self.beta1 ** self.t
            c2 = 1.0 - self.beta2 ** self.t
            for n in names:
                g = grads[n]
                m = self.m.setdefault(n, np.zeros_like(params[n]))
                v = self.v.setdefault(n, np.zeros_like(params[n]))
                m[...] = self.beta1 * m + (1.0 - self.beta1) * g
                v[...] = self.beta2 * v + (1.0 - self.beta2) * g * g
                params[n] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def global_norm(grads: dict, names: list) -> float:
    return math.sqrt(sum(float(np.sum(grads[n] * grads[n])) for n in names))


# ---------------------------------------------------------------------------------------------------------------
# Model scenarios
# ---------------------------------------------------------------------------------------------------------------

def run_model(s: dict) -> dict:
    c = make_config(s.get("config"))
    shapes = param_shapes(c)
    params = load_weights(s, shapes)
    model = Model(c, params)
    examples = s.get("examples")
    if not isinstance(examples, list):
        raise ScenarioError("examples must be a list")
    steps = s.get("steps")
    if not isinstance(steps, list):
        raise ScenarioError("steps must be a list")
    trace: dict = {}
    opt = None
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("id"), str):
            raise ScenarioError("every step needs a string id")
        sid, do = step["id"], step.get("do")
        if do == "forward":
            losses = []
            for i, ex in enumerate(examples):
                f = model.forward(ex)
                trace.update({f"{sid}/{i}/{k}": v for k, v in f["trace"].items()})
                losses.append(f["loss"])
            if examples and not any(math.isnan(x) for x in losses):
                trace[f"{sid}/loss"] = np.float64(sum(losses) / len(examples))
        elif do == "train":
            if opt is None:
                opt = Optimizer(s.get("optimizer"))
            names = step.get("trainable")
            if names is None:
                names = list(shapes)
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ScenarioError(f"{sid}.trainable must be a list of parameter names")
            for n in names:
                if n not in params:
                    raise ScenarioError(f"unknown parameter {n}")
            clip = step.get("clip")
            if clip is not None:
                clip = number(clip, f"{sid}.clip")
            if not examples:
                raise ScenarioError("a batch needs at least one example")
            # mean loss over the batch, so the applied gradient is the mean of the examples' own gradients
            N = len(examples)
            grads = {n: np.zeros(shp) for n, shp in shapes.items()}
            loss = 0.0
            for i, ex in enumerate(examples):
                f = model.forward(ex)
                gt, own = model.backward(f)
                loss += f["loss"]
                for k, v in f["trace"].items():
                    trace[f"{sid}/{i}/{k}"] = v
                for k, v in gt.items():
                    trace[f"{sid}/{i}/{k}"] = v
                for n in shapes:
                    trace[f"{sid}/{i}/grad.{n}"] = own[n]
                    grads[n] += own[n] / N
            norm = global_norm(grads, names)
            if clip is not None and norm > clip:
                for n in names:
                    grads[n] *= clip / norm
            opt.step(params, grads, names)
            trace[f"{sid}/loss"] = np.float64(loss / N)
            trace[f"{sid}/grad_norm"] = np.float64(norm)
            for n in shapes:
                trace[f"{sid}/grad.{n}"] = grads[n]
            for n, m in opt.m.items():
                trace[f"{sid}/adam.m.{n}"] = m.copy()
            for n, v in opt.v.items():
                trace[f"{sid}/adam.v.{n}"] = v.copy()
            for n, v in opt.velocity.items():
                trace[f"{sid}/momentum.v.{n}"] = v.copy()
        else:
            raise ScenarioError(f"step {sid}: unknown action {do!r} (forward, train)")
        for n in shapes:
            trace[f"{sid}/param.{n}"] = params[n].copy()
    return trace


# ---------------------------------------------------------------------------------------------------------------
# Ops scenarios
# ---------------------------------------------------------------------------------------------------------------

def op_call(call: dict) -> dict:
    cid = call.get("id")
    op = call.get("op")
    args = call.get("args")
    if not isinstance(cid, str):
        raise ScenarioError("every call needs a string id")
    if not isinstance(args, dict):
        raise ScenarioError(f"{cid}: args must be an object")

    def t(name):
        if name not in args:
            raise ScenarioError(f"{cid}.{name}: missing")
        return array(args[name], f"{cid}.{name}")

    def num(name):
        return number(args.get(name), f"{cid}.{name}")

    def same_size(a, b, what):
        if a.size != b.size:
            raise ScenarioError(f"{cid}: {what} have {a.size} and {b.size} values")

    if op == "matmul":
        A, B = as_matrix(t("A"), f"{cid}.A"), as_matrix(t("B"), f"{cid}.B")
        if A.shape[1] != B.shape[0]:
            raise ScenarioError(f"{cid}: A is {A.shape[0]}×{A.shape[1]} but B is {B.shape[0]}×{B.shape[1]}")
        return {"C": A @ B}
    if op == "matvec":
        M, x = as_matrix(t("M"), f"{cid}.M"), t("x").ravel()
        if x.size != M.shape[1]:
            raise ScenarioError(f"{cid}: M is {M.shape[0]}×{M.shape[1]} but x has {x.size} values")
        return {"y": M @ x}
    if op == "dot":
        a, b = t("a"), t("b")
        same_size(a, b, "a and b")
        return {"value": np.float64(a.ravel() @ b.ravel())}
    if op == "subtract":
        a, b = t("a"), t("b")
        same_size(a, b, "a and b")
        return {"value": a - b.reshape(a.shape)}
    if op == "outer":
        return {"C": np.outer(t("a").ravel(), t("b").ravel())}
    if op == "softmax":
        x = t("x")
        X = as_matrix(x, f"{cid}.x")
        mx = X.max(axis=1)
        shifted = X - mx[:, None]
        exps = np.exp(shifted)
        total = exps.sum(axis=1)
        y = exps / total[:, None]
        per_row = (lambda v: v[0]) if x.ndim == 1 else (lambda v: v)
        out = {"max": per_row(mx), "shifted": shifted.reshape(x.shape), "exps": exps.reshape(x.shape),
               "sum": per_row(total), "y": y.reshape(x.shape)}
        if "upstream" in args:
            up = t("upstream")
            same_size(up, x, "upstream and x")
            out["dx"] = softmax_rows_backward(up.reshape(X.shape), y).reshape(x.shape)
        return out
    if op == "relu":
        z = t("z")
        out = {"y": np.maximum(z, 0.0)}
        if "upstream" in args:
            up = t("upstream")
            same_size(up, z, "upstream and z")
            out["dz"] = relu_backward(up.reshape(z.shape), z)
        return out
    if op in ("cross_entropy", "cross_entropy_grad"):
        v = t("logits" if op == "cross_entropy" else "probs").ravel()
        target = class_index(args.get("target"), v.size)
        if target is None:
            raise ScenarioError(f"{cid}.target: expected a class index 0..{v.size - 1}")
        if op == "cross_entropy_grad":
            d = v.copy()
            d[target] -= 1.0
            return {"dlogits": d}
        probs = softmax_rows(v)
        d = probs.copy()
        d[target] -= 1.0
        return {"probs": probs, "loss": np.float64(-np.log(probs[target])), "dlogits": d}
    if op == "mse":
        y, tgt, factor = t("y"), t("t"), num("factor")
        same_size(y, tgt, "y and t")
        diff = y - tgt.reshape(y.shape)
        return {"loss": np.float64(factor * np.sum(diff * diff) / y.size), "dy": 2.0 * factor * diff / y.size}
    if op == "layer_norm":
        x = t("x")
        X = as_matrix(x, f"{cid}.x")
        gamma, beta, eps = t("gamma").ravel(), t("beta").ravel(), num("eps")
        if gamma.size != X.shape[1] or beta.size != X.shape[1]:
            raise ScenarioError(f"{cid}: gamma and beta need {X.shape[1]} values")
        y, cache = layer_norm(X, gamma, beta, eps)
        out = {"y": y.reshape(x.shape)}
        if "upstream" in args:
            up = t("upstream")
            same_size(up, x, "upstream and x")
            dx, dg, db = layer_norm_backward(up.reshape(X.shape), gamma, cache)
            out.update({"dx": dx.reshape(x.shape), "dgamma": dg, "dbeta": db})
        return out
    if op == "attention":
        Q = as_matrix(t("Q"), f"{cid}.Q")
        T, d = Q.shape
        heads = integer(args.get("heads"), f"{cid}.heads", 1)
        if d % heads:
            raise ScenarioError(f"{cid}: d {d} is not divisible by heads {heads}")
        K, V = t("K"), t("V")
        same_size(K, Q, "K and Q")
        same_size(V, Q, "V and Q")
        a = attention(Q, K.reshape(T, d), V.reshape(T, d), heads, args.get("causal") is True)
        out = {"scores": a["scores"], "scaled": a["scaled"], "weights": a["weights"], "context": a["context"]}
        if "upstream" in args:
            up = t("upstream")
            same_size(up, Q, "upstream and Q")
            ab = attention_backward(up.reshape(T, d), a, heads)
            out.update({"dQ": ab["Q"], "dK": ab["K"], "dV": ab["V"]})
        return out
    if op == "embedding_backward":
        tokens = [integer(v, f"{cid}.tokens") for v in t("tokens").ravel()]
        dX = as_matrix(t("dX"), f"{cid}.dX")
        vocab = integer(args.get("vocab"), f"{cid}.vocab", 1)
        if dX.shape[0] != len(tokens):
            raise ScenarioError(f"{cid}: {len(tokens)} tokens but dX has {dX.shape[0]} rows")
        for tok in tokens:
            if not 0 <= tok < vocab:
                raise ScenarioError(f"{cid}: token {tok} outside 0..{vocab - 1}")
        dE = np.zeros((vocab, dX.shape[1]))
        np.add.at(dE, np.array(tokens, dtype=np.intp), dX)
        return {"dE": dE}
    if op == "mlp_mse":
        x = as_matrix(t("x"), f"{cid}.x")
        W_1, W_2 = as_matrix(t("W_1"), f"{cid}.W_1"), as_matrix(t("W_2"), f"{cid}.W_2")
        b_1, b_2 = t("b_1").ravel(), t("b_2").ravel()
        rows, din = x.shape
        dh, dout = W_1.shape[1], W_2.shape[1]
        if W_1.shape[0] != din or W_2.shape[0] != dh or b_1.size != dh or b_2.size != dout:
            raise ScenarioError(f"{cid}: x {list(x.shape)}, W_1 {list(W_1.shape)}, b_1 [{b_1.size}], "
                                f"W_2 {list(W_2.shape)}, b_2 [{b_2.size}] do not fit together")
        target, factor = t("target"), num("factor")
        if target.size != rows * dout:
            raise ScenarioError(f"{cid}: target needs {rows * dout} values, got {target.size}")
        hidden = x @ W_1 + b_1
        act = np.maximum(hidden, 0.0)
        output = act @ W_2 + b_2
        diff = output - target.reshape(rows, dout)
        n = rows * dout
        doutput = 2.0 * factor * diff / n
        dact = doutput @ W_2.T
        dhidden = relu_backward(dact, hidden)
        return {"hidden": hidden, "act": act, "output": output, "loss": np.float64(factor * np.sum(diff * diff) / n),
                "doutput": doutput, "dW_2": act.T @ doutput, "db_2": doutput.sum(axis=0), "dact": dact,
                "dhidden": dhidden, "dW_1": x.T @ dhidden, "db_1": dhidden.sum(axis=0)}
    if op in ("sgd", "momentum", "adam"):
        w0, grads = t("w").ravel(), t("grads").ravel()
        n = w0.size
        if grads.size % n:
            raise ScenarioError(f"{cid}.grads: {grads.size} values do not split into steps of {n}")
        spec = {"kind": op, "lr": num("lr")}
        if op == "momentum":
            spec["beta"] = num("beta")
        if op == "adam":
            spec.update({"beta1": num("beta1"), "beta2": num("beta2"), "eps": num("eps")})
        opt = Optimizer(spec)
        p = {"w": w0.copy()}
        traj = []
        for g in grads.reshape(-1, n):
            opt.step(p, {"w": g}, ["w"])
            traj.append(p["w"].copy())
        return {"trajectory": np.array(traj)}
    if op == "gd_quadratic":
        # loss = 0.5·(w − center)², so dL/dw = w − center
        w, center, lr = num("w"), num("center"), num("lr")
        steps = integer(args.get("steps"), f"{cid}.steps", 1)
        w = np.float64(w)
        traj = []
        for _ in range(steps):
            w = w - lr * (w - center)
            traj.append([w])
        return {"trajectory": np.array(traj, dtype=np.float64)}
    if op == "clip_grad_norm":
        g, max_norm = t("g"), num("max_norm")
        norm = global_norm({"g": g}, ["g"])
        return {"norm": np.float64(norm), "clipped": g * (max_norm / norm) if norm > max_norm else g}
    if op == "central_difference":
        return {"gradient": np.float64(num("loss_plus") - num("loss_minus")) / np.float64(2.0 * num("eps"))}
    if op == "param_count":
        cfg = make_config(args.get("config"))
        return {"count": np.float64(sum(math.prod(s) for s in param_shapes(cfg).values()))}
    raise ScenarioError(f"{cid}: unknown op {op!r}")


def run_ops(s: dict) -> dict:
    calls = s.get("calls")
    if not isinstance(calls, list):
        raise ScenarioError("an ops scenario needs a list of calls")
    trace = {}
    for call in calls:
        if not isinstance(call, dict):
            raise ScenarioError("every call must be an object")
        for name, value in op_call(call).items():
            trace[f"{call['id']}/{name}"] = value
    return trace


# ---------------------------------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------------------------------

def encode_tensor(value) -> dict:
    a = np.asarray(value, dtype=np.float64)
    data = a.ravel().tolist()
    if not np.isfinite(a).all():
        data = [x if math.isfinite(x) else ("NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity"))
                for x in data]
    return {"shape": list(a.shape), "data": data}


def run_scenario(s) -> dict:
    if not isinstance(s, dict):
        raise ScenarioError("scenario must be an object")
    kind = s.get("kind")
    if kind == "model":
        trace = run_model(s)
    elif kind == "ops":
        trace = run_ops(s)
    else:
        raise ScenarioError(f"unsupported scenario kind {kind!r} (model, ops)")
    return {path: encode_tensor(v) for path, v in trace.items()}


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def handle(line: str):
    """The response to one request line (None for shutdown)."""
    try:
        req = json.loads(line, parse_constant=reject_constant)
    except ValueError as e:
        return {"id": 0, "type": "error", "message": f"the request is not JSON: {e}"}
    rid = req.get("id") if isinstance(req, dict) else None
    if not isinstance(rid, int) or isinstance(rid, bool) or rid < 0:
        return {"id": rid if isinstance(rid, int) and not isinstance(rid, bool) and rid >= 0 else 0, "type": "error",
                "message": "the request must be an object with a non-negative integer id"}
    kind = req.get("type")
    if kind == "hello":
        if req.get("protocol_version") != PROTOCOL_VERSION:
            return {"id": rid, "type": "error",
                    "message": f"protocol_version {req.get('protocol_version')!r} is not supported (only 1)"}
        return {"id": rid, "type": "hello", "protocol_version": PROTOCOL_VERSION,
                "implementation": {"name": NAME, "version": VERSION, "language": "Python", "dtype": "float64",
                                   "capabilities": {"ops": OPS, "features": FEATURES}}}
    if kind == "run":
        if "scenario" not in req:
            return {"id": rid, "type": "error", "message": "a run request needs a scenario"}
        try:
            return {"id": rid, "type": "trace", "trace": run_scenario(req["scenario"])}
        except ScenarioError as e:
            return {"id": rid, "type": "error", "message": str(e)}
        except Exception as e:  # a bug or an unforeseen input: report it, keep serving
            traceback.print_exc(file=sys.stderr)
            return {"id": rid, "type": "error", "message": f"{type(e).__name__}: {e}"}
    if kind == "shutdown":
        return None
    return {"id": rid, "type": "error", "message": f"unknown request type {kind!r} (hello, run, shutdown)"}


def main() -> None:
    out = sys.stdout
    sys.stdout = sys.stderr  # a stray print can never corrupt the protocol stream
    stdin = sys.stdin.buffer
    while True:
        raw = stdin.readline()
        if not raw:
            break
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            response = {"id": 0, "type": "error", "message": "the request is not UTF-8"}
        else:
            if not line.strip():
                continue
            response = handle(line)
            if response is None:
                break
        try:
            text = json.dumps(response, allow_nan=False, separators=(",", ":"))
        except (ValueError, TypeError) as e:
            text = json.dumps({"id": response.get("id", 0), "type": "error", "message": f"unencodable answer: {e}"})
        out.write(text + "\n")
        out.flush()


if __name__ == "__main__":
    main()
