#!/usr/bin/env python3
"""An independent float64 transformer for the tconf conformance suite, in Python with NumPy.

It speaks the JSON Lines process protocol of spec/protocol.md through the suite's helper module
examples/python/tconf_adapter.py (the request loop, the handshake, argument checking, the model scenario's
configuration and weights, tensor encoding, errors); this file is the math. The math follows
spec/conventions.md (row vectors, post-LN blocks, biased variance, ReLU'(0) = 0, mean batch loss, heavy-ball
momentum, bias-corrected Adam, global-norm clipping). The backward pass is written by hand over whole arrays
([T×d] sequences, [heads×T×T] attention maps).

Only the standard library and NumPy. Nothing but protocol lines is written to stdout; diagnostics go to stderr.
"""
from __future__ import annotations

import math
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import tconf_adapter as tc  # noqa: E402  (found through the path above)

try:
    import numpy as np
except ImportError:  # a python3 without NumPy (say a pyenv build): say so on stderr, not on the protocol stream
    sys.stderr.write(f"tconf_numpy.py needs NumPy; {sys.executable} has none (Debian: apt-get install python3-numpy)\n")
    sys.exit(1)

NAME = "numpy-example"
VERSION = "0.1.0"

FEATURES = [
    "forward", "backward", "multi-head", "causal", "layer-norm", "ffn", "residual", "positional",
    "attn-projection", "regression", "continuous-input", "batch", "sgd", "momentum", "adam", "clip",
]

# Overflow, 0·∞ and the like are legitimate results here (sent as "Infinity"/"NaN"), not warnings to print.
np.seterr(all="ignore")


def to_array(t: tc.Tensor) -> np.ndarray:
    """A checked tensor from the helper as a float64 array of its own shape."""
    return np.array(t.data, dtype=np.float64).reshape(t.shape)


def as_matrix(a: np.ndarray, where: str) -> np.ndarray:
    """A vector as one row, or a matrix; anything else is an error."""
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    raise tc.InvalidInput(f"{where}: expected a vector or a matrix, got shape {list(a.shape)}")


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
# The model: forward and backward of one example
# ---------------------------------------------------------------------------------------------------------------

class Model:
    def __init__(self, config: dict, params: dict):
        self.c = config
        self.p = params

    # -- forward ---------------------------------------------------------------------------------------------
    def forward(self, ex) -> dict:
        """One example: the named trace and everything the backward pass needs."""
        c, p = self.c, self.p
        d, H = c["dModel"], c["heads"]
        if c["input"] == "tokens":
            tokens = tc.tokens(ex, c)
            T = len(tokens)
            f = {"ex": ex, "T": T, "trace": {}, "tokens": np.array(tokens, dtype=np.intp)}
            X = p["embedding.E"][f["tokens"]]
        else:
            inputs = to_array(tc.inputs(ex, c))
            T = inputs.shape[0]
            f = {"ex": ex, "T": T, "trace": {}, "inputs": inputs}
            X = inputs @ p["input.W_in"] + p["input.b_in"]
        if c["positional"] == "sinusoidal":
            X = X + sinusoidal_positions(T, d)
        tr = f["trace"]
        tr["X"] = X

        x = X
        f["blocks"] = []
        for layer in range(c["layers"]):
            b = f"blocks.{layer}"
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
                t = tc.class_index(ex.get("target"), c["outDim"])
                if t is not None:
                    f["loss"] = float(-np.log(probs[t]))
            else:
                tr["prediction"] = y
                t = tc.regression_target(ex.get("target"), c["outDim"])
                if t is not None:
                    f["loss"] = float(c["mseFactor"] * np.sum((y - np.array(t)) ** 2) / c["outDim"])
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
            raise tc.InvalidInput("a model without a head has no loss to differentiate")
        g: dict[str, np.ndarray] = {}
        gt: dict[str, np.ndarray] = {}
        if c["head"] == "classification":
            t = tc.strict_class_index(ex.get("target"), c["outDim"])
            dy = f["probs"].copy()
            dy[t] -= 1.0
            gt["grad.logits"] = dy
        else:
            t = np.array(tc.strict_regression_target(ex.get("target"), c["outDim"]))
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
        for layer in reversed(range(c["layers"])):
            b = f"blocks.{layer}"
            k = f["blocks"][layer]
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
    def __init__(self, spec: dict):
        """`spec` as tc.optimizer reads it: the kind and every hyperparameter filled in."""
        self.kind = spec["kind"]
        self.lr = spec["lr"]
        if self.kind == "momentum":
            self.beta = spec["beta"]
        if self.kind == "adam":
            self.beta1, self.beta2, self.eps = spec["beta1"], spec["beta2"], spec["eps"]
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

def run_model(s: dict, paths=None) -> dict:
    c = tc.model_config(s.get("config"))
    shapes = tc.param_shapes(c)
    params = {n: to_array(t) for n, t in tc.model_weights(s, shapes).items()}
    model = Model(c, params)
    examples = tc.examples(s)
    trace: dict = {}
    opt = None
    for step in tc.steps(s, shapes):
        sid = step.id
        if step.do == "forward":
            losses = []
            for i, ex in enumerate(examples):
                f = model.forward(ex)
                trace.update({f"{sid}/{i}/{k}": v for k, v in f["trace"].items()})
                losses.append(f["loss"])
            if examples and not any(math.isnan(x) for x in losses):
                trace[f"{sid}/loss"] = np.float64(sum(losses) / len(examples))
        else:
            if opt is None:
                opt = Optimizer(tc.optimizer(s.get("optimizer")))
            names, clip = step.trainable, step.clip
            if not examples:
                raise tc.InvalidInput("a batch needs at least one example")
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
        for n in shapes:
            trace[f"{sid}/param.{n}"] = params[n].copy()
    return trace


# ---------------------------------------------------------------------------------------------------------------
# Ops: one function per op of OPS, reading its arguments through tc.Args (a.tensor gives a float64 array)
# ---------------------------------------------------------------------------------------------------------------

def same_size(a: tc.Args, x: np.ndarray, y: np.ndarray, what: str) -> None:
    if x.size != y.size:
        raise tc.InvalidInput(f"{a.id}: {what} have {x.size} and {y.size} values")


def matrix(a: tc.Args, name: str) -> np.ndarray:
    return as_matrix(a.tensor(name), a.where(name))


def op_matmul(a: tc.Args) -> dict:
    A, B = matrix(a, "A"), matrix(a, "B")
    if A.shape[1] != B.shape[0]:
        raise tc.InvalidInput(f"{a.id}: A is {A.shape[0]}×{A.shape[1]} but B is {B.shape[0]}×{B.shape[1]}")
    return {"C": A @ B}


def op_matvec(a: tc.Args) -> dict:
    M, x = matrix(a, "M"), a.tensor("x").ravel()
    if x.size != M.shape[1]:
        raise tc.InvalidInput(f"{a.id}: M is {M.shape[0]}×{M.shape[1]} but x has {x.size} values")
    return {"y": M @ x}


def op_dot(a: tc.Args) -> dict:
    x, y = a.tensor("a"), a.tensor("b")
    same_size(a, x, y, "a and b")
    return {"value": np.float64(x.ravel() @ y.ravel())}


def op_subtract(a: tc.Args) -> dict:
    x, y = a.tensor("a"), a.tensor("b")
    same_size(a, x, y, "a and b")
    return {"value": x - y.reshape(x.shape)}


def op_outer(a: tc.Args) -> dict:
    return {"C": np.outer(a.tensor("a").ravel(), a.tensor("b").ravel())}


def op_softmax(a: tc.Args) -> dict:
    x = a.tensor("x")
    X = as_matrix(x, a.where("x"))
    mx = X.max(axis=1)
    shifted = X - mx[:, None]
    exps = np.exp(shifted)
    total = exps.sum(axis=1)
    y = exps / total[:, None]
    per_row = (lambda v: v[0]) if x.ndim == 1 else (lambda v: v)
    out = {"max": per_row(mx), "shifted": shifted.reshape(x.shape), "exps": exps.reshape(x.shape),
           "sum": per_row(total), "y": y.reshape(x.shape)}
    if "upstream" in a:
        up = a.tensor("upstream")
        same_size(a, up, x, "upstream and x")
        out["dx"] = softmax_rows_backward(up.reshape(X.shape), y).reshape(x.shape)
    return out


def op_relu(a: tc.Args) -> dict:
    z = a.tensor("z")
    out = {"y": np.maximum(z, 0.0)}
    if "upstream" in a:
        up = a.tensor("upstream")
        same_size(a, up, z, "upstream and z")
        out["dz"] = relu_backward(up.reshape(z.shape), z)
    return out


def op_cross_entropy(a: tc.Args) -> dict:
    v = a.tensor("logits").ravel()
    target = class_target(a, v.size)
    probs = softmax_rows(v)
    d = probs.copy()
    d[target] -= 1.0
    return {"probs": probs, "loss": np.float64(-np.log(probs[target])), "dlogits": d}


def op_cross_entropy_grad(a: tc.Args) -> dict:
    v = a.tensor("probs").ravel()
    target = class_target(a, v.size)
    d = v.copy()
    d[target] -= 1.0
    return {"dlogits": d}


def class_target(a: tc.Args, n: int) -> int:
    target = tc.class_index(a.get("target"), n)
    if target is None:
        raise tc.InvalidInput(f"{a.where('target')}: expected a class index 0..{n - 1}")
    return target


def op_mse(a: tc.Args) -> dict:
    y, tgt, factor = a.tensor("y"), a.tensor("t"), a.number("factor")
    same_size(a, y, tgt, "y and t")
    diff = y - tgt.reshape(y.shape)
    return {"loss": np.float64(factor * np.sum(diff * diff) / y.size), "dy": 2.0 * factor * diff / y.size}


def op_layer_norm(a: tc.Args) -> dict:
    x = a.tensor("x")
    X = as_matrix(x, a.where("x"))
    gamma, beta, eps = a.tensor("gamma").ravel(), a.tensor("beta").ravel(), a.number("eps")
    if gamma.size != X.shape[1] or beta.size != X.shape[1]:
        raise tc.InvalidInput(f"{a.id}: gamma and beta need {X.shape[1]} values")
    y, cache = layer_norm(X, gamma, beta, eps)
    out = {"y": y.reshape(x.shape)}
    if "upstream" in a:
        up = a.tensor("upstream")
        same_size(a, up, x, "upstream and x")
        dx, dg, db = layer_norm_backward(up.reshape(X.shape), gamma, cache)
        out.update({"dx": dx.reshape(x.shape), "dgamma": dg, "dbeta": db})
    return out


def op_attention(a: tc.Args) -> dict:
    Q = matrix(a, "Q")
    T, d = Q.shape
    heads = a.integer("heads", 1)
    if d % heads:
        raise tc.InvalidInput(f"{a.id}: d {d} is not divisible by heads {heads}")
    K, V = a.tensor("K"), a.tensor("V")
    same_size(a, K, Q, "K and Q")
    same_size(a, V, Q, "V and Q")
    att = attention(Q, K.reshape(T, d), V.reshape(T, d), heads, a.flag("causal"))
    out = {"scores": att["scores"], "scaled": att["scaled"], "weights": att["weights"], "context": att["context"]}
    if "upstream" in a:
        up = a.tensor("upstream")
        same_size(a, up, Q, "upstream and Q")
        ab = attention_backward(up.reshape(T, d), att, heads)
        out.update({"dQ": ab["Q"], "dK": ab["K"], "dV": ab["V"]})
    return out


def op_embedding_backward(a: tc.Args) -> dict:
    tokens = [tc.integer(v, a.where("tokens")) for v in a.tensor("tokens").ravel()]
    dX = matrix(a, "dX")
    vocab = a.integer("vocab", 1)
    if dX.shape[0] != len(tokens):
        raise tc.InvalidInput(f"{a.id}: {len(tokens)} tokens but dX has {dX.shape[0]} rows")
    for tok in tokens:
        if not 0 <= tok < vocab:
            raise tc.InvalidInput(f"{a.id}: token {tok} outside 0..{vocab - 1}")
    dE = np.zeros((vocab, dX.shape[1]))
    np.add.at(dE, np.array(tokens, dtype=np.intp), dX)
    return {"dE": dE}


def op_mlp_mse(a: tc.Args) -> dict:
    x, W_1, W_2 = matrix(a, "x"), matrix(a, "W_1"), matrix(a, "W_2")
    b_1, b_2 = a.tensor("b_1").ravel(), a.tensor("b_2").ravel()
    rows, din = x.shape
    dh, dout = W_1.shape[1], W_2.shape[1]
    if W_1.shape[0] != din or W_2.shape[0] != dh or b_1.size != dh or b_2.size != dout:
        raise tc.InvalidInput(f"{a.id}: x {list(x.shape)}, W_1 {list(W_1.shape)}, b_1 [{b_1.size}], "
                              f"W_2 {list(W_2.shape)}, b_2 [{b_2.size}] do not fit together")
    target, factor = a.tensor("target"), a.number("factor")
    if target.size != rows * dout:
        raise tc.InvalidInput(f"{a.id}: target needs {rows * dout} values, got {target.size}")
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


def optimizer_op(kind: str):
    def op(a: tc.Args) -> dict:
        w0, grads = a.tensor("w").ravel(), a.tensor("grads").ravel()
        n = w0.size
        if grads.size % n:
            raise tc.InvalidInput(f"{a.where('grads')}: {grads.size} values do not split into steps of {n}")
        spec = {"kind": kind, "lr": a.number("lr")}
        if kind == "momentum":
            spec["beta"] = a.number("beta")
        if kind == "adam":
            spec.update({"beta1": a.number("beta1"), "beta2": a.number("beta2"), "eps": a.number("eps")})
        opt = Optimizer(spec)
        p = {"w": w0.copy()}
        traj = []
        for g in grads.reshape(-1, n):
            opt.step(p, {"w": g}, ["w"])
            traj.append(p["w"].copy())
        return {"trajectory": np.array(traj)}

    return op


def op_gd_quadratic(a: tc.Args) -> dict:
    # loss = 0.5·(w − center)², so dL/dw = w − center
    w, center, lr = a.number("w"), a.number("center"), a.number("lr")
    steps = a.integer("steps", 1)
    w = np.float64(w)
    traj = []
    for _ in range(steps):
        w = w - lr * (w - center)
        traj.append([w])
    return {"trajectory": np.array(traj, dtype=np.float64)}


def op_clip_grad_norm(a: tc.Args) -> dict:
    g, max_norm = a.tensor("g"), a.number("max_norm")
    norm = global_norm({"g": g}, ["g"])
    return {"norm": np.float64(norm), "clipped": g * (max_norm / norm) if norm > max_norm else g}


def op_central_difference(a: tc.Args) -> dict:
    return {"gradient": np.float64(a.number("loss_plus") - a.number("loss_minus")) / np.float64(2.0 * a.number("eps"))}


def op_param_count(a: tc.Args) -> dict:
    cfg = tc.model_config(a.get("config"))
    return {"count": np.float64(sum(math.prod(s) for s in tc.param_shapes(cfg).values()))}


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
    tc.serve(NAME, VERSION, ops=OPS, model=run_model, features=FEATURES, to_array=to_array)
