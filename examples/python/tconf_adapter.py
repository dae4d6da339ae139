#!/usr/bin/env python3
"""tconf_adapter: the plumbing of a tconf adapter (spec/protocol.md), in one file of standard-library Python.

An adapter is a process that answers the suite's JSON Lines requests on stdin/stdout. This module does
everything that is not math: the request loop, the hello handshake, reading the op arguments and the model
scenario (checked, with messages that name the argument), encoding the trace (JSON lists or base64 float64,
non-finite values included), and turning errors into protocol error responses. What is left is the math.

A complete adapter (save it as mini.py next to this file; run `npx tconf run --impl "exec:python3 mini.py"`):

    import tconf_adapter as tc

    def matmul(args):
        A, B = args.tensor("A").rows(), args.tensor("B").rows()  # checked, finite, as lists of rows
        if len(A[0]) != len(B):
            raise tc.InvalidInput(f"{args.id}: A has {len(A[0])} columns but B has {len(B)} rows")
        return {"C": [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]}

    tc.serve(name="mini", version="0.1.0", ops={"matmul": matmul})

Every matmul claim then passes and everything else is skipped. An adapter kept elsewhere finds this file with
`sys.path.insert(0, "<this folder>")` before the import (examples/python-numpy/tconf_numpy.py does it relative
to its own file).

What `serve` does for you:

- answers `hello` with the declaration (dtype, the ops you pass, `features`, optional `trace` globs);
- runs an ops scenario call by call: `ops[call.op](Args)` returns `{output: value}`, sent as `<call id>/<output>`;
  an op you did not pass is answered with an error, not a crash;
- hands a model scenario to `model(scenario, paths)`, which returns `{trace path: value}`; `paths` is the set of
  trace paths the harness will read (or None when it does not say), so you may skip work it will not look at;
- encodes every value: a number, a (nested) list, a `Tensor`, or an array object such as a NumPy array or a
  torch tensor (duck-typed: `.shape` plus `.tolist()`; no import of either here), as `{shape, data}` or, from
  `base64_min` values on, `{shape, base64}` (little-endian float64: exact, and cheaper to write and to read);
  NaN and ±Infinity travel as the protocol's strings (or as their bit patterns in base64);
- turns an `AdapterError` (`InvalidInput`, `Unsupported`) into `{"type":"error","message":...}` for that request,
  and any other exception too (its traceback goes to stderr), so one bad scenario never ends the process;
- writes only protocol lines on stdout, one per request, flushed at once: once `serve` starts, `print` and
  even C code writing to file descriptor 1 land on stderr, which the harness keeps as evidence;
- exits (returns) on `shutdown` or at the end of the input.
"""
from __future__ import annotations

import base64
import json
import math
import os
import struct
import sys
import traceback
from typing import Any, Callable, Iterable

PROTOCOL_VERSION = 1

# The names the harness knows, as of this file (OPS in harness/fixtures/scenario.ts, FEATURES in
# harness/run/implementation.ts). A declaration outside them fails the handshake; `serve` warns on stderr first.
KNOWN_OPS = (
    "matmul", "matvec", "dot", "subtract", "outer", "softmax", "relu", "cross_entropy", "cross_entropy_grad",
    "mse", "layer_norm", "attention", "embedding_backward", "mlp_mse", "sgd", "momentum", "adam", "gd_quadratic",
    "clip_grad_norm", "central_difference", "param_count", "model_cost",
)
KNOWN_FEATURES = (
    "forward", "backward", "multi-head", "causal", "layer-norm", "ffn", "residual", "positional",
    "attn-projection", "regression", "continuous-input", "batch", "sgd", "momentum", "adam", "clip",
)


# ---------------------------------------------------------------------------------------------------------------
# Errors: each becomes a protocol error response for the request being served
# ---------------------------------------------------------------------------------------------------------------

class AdapterError(Exception):
    """A request this adapter cannot serve; its message is sent as `{"type":"error","message":...}`."""


class InvalidInput(AdapterError):
    """The request's data is wrong: a missing or ill-shaped argument or weight, a token outside the vocabulary…"""


class Unsupported(AdapterError):
    """The request asks for something this adapter does not do: an op, a step, an optimizer, a config."""


# ---------------------------------------------------------------------------------------------------------------
# Tensors: decoding what the harness sends, encoding what the adapter answers
# ---------------------------------------------------------------------------------------------------------------

NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def is_number(v: Any) -> bool:
    """A JSON number (bool is not one)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Tensor:
    """A shape and its row-major values, as plain Python: `shape` a tuple (`()` for a scalar), `data` floats."""

    __slots__ = ("shape", "data")

    def __init__(self, shape: Iterable[int], data: Iterable[float]):
        self.shape = tuple(int(n) for n in shape)
        self.data = [float(x) for x in data]
        if len(self.data) != math.prod(self.shape):
            n = math.prod(self.shape)
            raise InvalidInput(f"a tensor of shape {list(self.shape)} needs {n} values, got {len(self.data)}")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return len(self.data)

    def tolist(self):
        """The nested lists (a float for a scalar)."""
        if not self.shape:
            return self.data[0]

        def nest(data: list, shape: tuple):
            if len(shape) == 1:
                return list(data)
            step = math.prod(shape[1:])
            return [nest(data[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]

        return nest(self.data, self.shape)

    def rows(self) -> list[list[float]]:
        """A vector as one row, or a matrix, as a list of rows; anything else is an InvalidInput."""
        if self.ndim == 1:
            return [list(self.data)]
        if self.ndim == 2:
            return self.tolist()
        raise InvalidInput(f"expected a vector or a matrix, got shape {list(self.shape)}")

    def __repr__(self) -> str:
        return f"Tensor(shape={list(self.shape)}, data={self.data[:8]}{'…' if self.size > 8 else ''})"


def shape_of(x: Any, where: str) -> tuple:
    """The shape of a nested list of numbers; ragged lists, empty lists and non-numbers are InvalidInput."""
    if is_number(x):
        return ()
    if not isinstance(x, list) or not x:
        raise InvalidInput(f"{where}: expected a number or a non-empty list")
    inner = shape_of(x[0], f"{where}[0]")
    for i, e in enumerate(x[1:], 1):
        s = shape_of(e, f"{where}[{i}]")
        if s != inner:
            raise InvalidInput(f"{where}: ragged list (row {i} has shape {list(s)} but row 0 has {list(inner)})")
    return (len(x),) + inner


def _flatten(x: Any, out: list) -> None:
    if isinstance(x, list):
        for e in x:
            _flatten(e, out)
    else:
        out.append(x)


def _value(v: Any, where: str) -> float:
    if is_number(v):
        return float(v)
    if isinstance(v, str) and v in NONFINITE:
        return NONFINITE[v]
    raise InvalidInput(f"{where}: {str(v)[:60]!r} is not a number (nor 'NaN', 'Infinity', '-Infinity')")


def decode(value: Any, where: str = "tensor", finite: bool = True) -> Tensor:
    """Any tensor form of the protocol as a Tensor: a number, a nested list of numbers (how op arguments and
    weights arrive), `{shape, data}` (values may be "NaN", "Infinity", "-Infinity") or `{shape, base64}`
    (little-endian float64). With `finite` (the default) a NaN or an infinity is an InvalidInput."""
    if isinstance(value, dict):
        shape = value.get("shape")
        if not isinstance(shape, list) or not all(is_number(n) and n >= 0 and float(n) == int(n) for n in shape):
            raise InvalidInput(f"{where}.shape: expected a list of non-negative integers")
        if ("data" in value) == ("base64" in value):
            raise InvalidInput(f"{where}: expected exactly one of data and base64")
        if "data" in value:
            if not isinstance(value["data"], list):
                raise InvalidInput(f"{where}.data: expected a list")
            data = [_value(v, f"{where}.data[{i}]") for i, v in enumerate(value["data"])]
        else:
            text = value["base64"]
            try:
                raw = base64.b64decode(text, validate=True) if isinstance(text, str) else None
            except ValueError:
                raw = None
            if raw is None or len(raw) % 8:
                raise InvalidInput(f"{where}.base64: expected padded base64 of whole 8-byte float64 values")
            data = list(struct.unpack(f"<{len(raw) // 8}d", raw))
        t = Tensor(shape, data)
    else:
        shape = shape_of(value, where)
        flat: list = []
        _flatten(value, flat)
        t = Tensor(shape, flat)
    if finite and not all(math.isfinite(x) for x in t.data):
        raise InvalidInput(f"{where}: values must be finite numbers")
    return t


def _shape_and_flat(value: Any, where: str) -> tuple[list, list]:
    """(shape, flat list of floats) of anything `encode` accepts."""
    if isinstance(value, Tensor):
        return list(value.shape), value.data
    if is_number(value):
        return [], [float(value)]
    if isinstance(value, (list, tuple)):
        value = list(value)
        shape = _loose_shape(value, where)
        flat: list = []
        _flatten(value, flat)
        return shape, [float(x) for x in flat]
    if hasattr(value, "detach"):  # a torch tensor (possibly requiring grad)
        value = value.detach().cpu()
    if hasattr(value, "shape") and hasattr(value, "tolist"):  # an array object: NumPy, torch, …
        shape = [int(n) for n in value.shape]
        if hasattr(value, "ravel"):  # NumPy
            flat = value.ravel().tolist()
        elif hasattr(value, "reshape"):  # torch
            flat = value.reshape(-1).tolist()
        else:
            flat = []
            _flatten(value.tolist(), flat)
        if not shape and not isinstance(flat, list):
            flat = [flat]
        return shape, [float(x) for x in flat]
    if hasattr(value, "__float__"):  # a NumPy scalar or the like
        return [], [float(value)]
    raise TypeError(f"{where}: cannot encode a {type(value).__name__} as a tensor")


def _loose_shape(x: list, where: str) -> list:
    shape = []
    while isinstance(x, list):
        shape.append(len(x))
        if not x:
            break
        x = x[0]
    return shape


def _json_value(x: float):
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def encode(value: Any, base64_min: int | None = 64, where: str = "value") -> dict:
    """A protocol tensor `{shape, data}`, or `{shape, base64}` when it has at least `base64_min` values (None: never)."""
    shape, flat = _shape_and_flat(value, where)
    if len(flat) != math.prod(shape):
        raise TypeError(f"{where}: ragged value (shape {shape} but {len(flat)} values)")
    if base64_min is not None and len(flat) >= base64_min:
        return {"shape": shape, "base64": base64.b64encode(struct.pack(f"<{len(flat)}d", *flat)).decode("ascii")}
    return {"shape": shape, "data": [_json_value(x) for x in flat]}


# ---------------------------------------------------------------------------------------------------------------
# Reading arguments with messages that name them
# ---------------------------------------------------------------------------------------------------------------

def number(v: Any, where: str) -> float:
    """A finite number."""
    if not is_number(v) or not math.isfinite(v):
        raise InvalidInput(f"{where}: expected a finite number")
    return float(v)


def integer(v: Any, where: str, low: int | None = None) -> int:
    """An integer-valued number (3 or 3.0), at least `low` when given."""
    if not is_number(v) or not math.isfinite(v) or float(v) != int(v):
        raise InvalidInput(f"{where}: expected an integer (got {v!r})")
    n = int(v)
    if low is not None and n < low:
        raise InvalidInput(f"{where}: must be at least {low} (got {n})")
    return n


class Args:
    """The arguments of one op call; every reader names the failing argument as `<call id>.<name>`.

    `tensor(name)` gives a Tensor, or what `serve(to_array=…)` makes of it (a NumPy array, a torch tensor)."""

    def __init__(self, call_id: str, args: dict, to_array: Callable[[Tensor], Any] | None = None):
        self.id = call_id
        self.raw = args
        self._to_array = to_array

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def where(self, name: str) -> str:
        return f"{self.id}.{name}"

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default)

    def tensor(self, name: str) -> Any:
        """A required tensor argument (a number or a nested list of finite numbers)."""
        if name not in self.raw:
            raise InvalidInput(f"{self.where(name)}: missing")
        t = decode(self.raw[name], self.where(name))
        return self._to_array(t) if self._to_array else t

    def number(self, name: str) -> float:
        return number(self.raw.get(name), self.where(name))

    def integer(self, name: str, low: int | None = None) -> int:
        return integer(self.raw.get(name), self.where(name), low)

    def flag(self, name: str) -> bool:
        """A boolean argument: true only when given as true."""
        return self.raw.get(name) is True


# ---------------------------------------------------------------------------------------------------------------
# Model scenarios: the configuration, the parameters, the examples, the steps
# ---------------------------------------------------------------------------------------------------------------

# The defaults of reference/config.ts (the Stage 10 model); a scenario's `config` overrides some of them.
STAGE10 = {
    "vocab": 20, "dModel": 64, "heads": 4, "dFF": 256, "layers": 2, "seqLen": 8, "causal": False,
    "positional": "sinusoidal", "input": "tokens", "inDim": 0, "attnProjection": True, "attnResidual": True,
    "ffnResidual": True, "layerNorm": True, "ffnBias": True, "lnEps": 1e-5, "head": "classification",
    "outDim": 20, "headBias": True, "mseFactor": 0.5,
}
CHOICES = {"positional": ("sinusoidal", "none"), "input": ("tokens", "continuous"),
           "head": ("classification", "regression", "none")}


def model_config(over: Any) -> dict:
    """The Stage 10 defaults with the scenario's (or a param_count call's) overrides, checked for consistency."""
    if over is None:
        over = {}
    if not isinstance(over, dict):
        raise InvalidInput("config must be an object")
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
        raise InvalidInput(f"invalid model config: {'; '.join(problems)}")
    return c


def param_shapes(c: dict) -> dict[str, tuple]:
    """Every parameter of the model (spec/fixtures.md names), in the suite's fixed order, with its shape."""
    d, ff = c["dModel"], c["dFF"]
    s: dict[str, tuple] = {}
    if c["input"] == "tokens":
        s["embedding.E"] = (c["vocab"], d)
    else:
        s["input.W_in"] = (c["inDim"], d)
        s["input.b_in"] = (d,)
    for layer in range(c["layers"]):
        b = f"blocks.{layer}"
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


def model_weights(scenario: dict, shapes: dict[str, tuple]) -> dict[str, Tensor]:
    """Every parameter's given value, as a Tensor of the parameter's shape (a flat list of the right size is
    accepted for a matrix). The harness expands `init: {seed}` into explicit weights, so all must be given."""
    weights = scenario.get("weights") or {}
    if not isinstance(weights, dict):
        raise InvalidInput("weights must be an object")
    params: dict[str, Tensor] = {}
    for name, value in weights.items():
        if name not in shapes:
            raise InvalidInput(f"weights.{name}: the model has no such parameter (it has {', '.join(shapes)})")
        t = decode(value, f"weights.{name}")
        want = shapes[name]
        if t.size != math.prod(want) or (t.ndim > 1 and t.shape != want):
            raise InvalidInput(f"weights.{name}: shape {list(t.shape)} does not match the parameter's {list(want)}")
        params[name] = Tensor(want, t.data)
    for name in shapes:
        if name not in params:
            raise InvalidInput(f"weights.{name} is not given (this implementation has no seeded initialiser)")
    return {name: params[name] for name in shapes}


def tokens(ex: dict, c: dict) -> list[int]:
    """The example's token ids, checked against the vocabulary and seqLen."""
    seq = _sequence(ex, "tokens", c)
    out = [integer(t, "token") for t in seq]
    for t in out:
        if not 0 <= t < c["vocab"]:
            raise InvalidInput(f"token {t} outside vocab 0..{c['vocab'] - 1}")
    return out


def inputs(ex: dict, c: dict) -> Tensor:
    """The example's continuous inputs, a [T×inDim] Tensor."""
    seq = _sequence(ex, "inputs", c)
    t = decode(seq, "inputs")
    if t.shape != (len(seq), c["inDim"]):
        raise InvalidInput(f"inputs must be {len(seq)}×{c['inDim']}")
    return t


def _sequence(ex: Any, key: str, c: dict) -> list:
    if not isinstance(ex, dict):
        raise InvalidInput("an example must be an object")
    seq = ex.get(key)
    if not isinstance(seq, list) or not seq:
        raise InvalidInput(f"example needs a non-empty {key} list")
    if len(seq) > c["seqLen"]:
        raise InvalidInput(f"sequence of {len(seq)} positions exceeds seqLen {c['seqLen']}")
    return seq


def class_index(target: Any, out_dim: int) -> int | None:
    """The class index of a classification target, or None when it is not a valid one."""
    if is_number(target) and math.isfinite(target) and float(target) == int(target) and 0 <= int(target) < out_dim:
        return int(target)
    return None


def regression_target(target: Any, out_dim: int) -> list[float] | None:
    """The first out_dim values of a regression target, or None when it has fewer (or non-numbers)."""
    if isinstance(target, list) and len(target) >= out_dim and all(is_number(v) for v in target[:out_dim]):
        return [float(v) for v in target[:out_dim]]
    return None


def strict_regression_target(target: Any, out_dim: int) -> list[float]:
    """A regression target as a train step needs it: exactly out_dim numbers."""
    if not isinstance(target, list) or len(target) != out_dim:
        raise InvalidInput(f"regression target must be a list of {out_dim} numbers")
    t = regression_target(target, out_dim)
    if t is None:
        raise InvalidInput(f"regression target must be a list of {out_dim} numbers")
    return t


def strict_class_index(target: Any, out_dim: int) -> int:
    t = class_index(target, out_dim)
    if t is None:
        raise InvalidInput(f"classification target must be a class index 0..{out_dim - 1}")
    return t


def examples(scenario: dict) -> list:
    ex = scenario.get("examples")
    if not isinstance(ex, list):
        raise InvalidInput("examples must be a list")
    return ex


class Step:
    """One step of a model scenario: `id`, `do` ("forward" or "train"), and for a train step the `trainable`
    parameter names (all by default) and the `clip` norm (None: no clipping)."""

    __slots__ = ("id", "do", "trainable", "clip")

    def __init__(self, sid: str, do: str, trainable: list[str], clip: float | None):
        self.id, self.do, self.trainable, self.clip = sid, do, trainable, clip


def steps(scenario: dict, shapes: dict[str, tuple]) -> list[Step]:
    """The scenario's steps, checked: string ids, a known action, trainable names of real parameters."""
    raw = scenario.get("steps")
    if not isinstance(raw, list):
        raise InvalidInput("steps must be a list")
    out = []
    for step in raw:
        if not isinstance(step, dict) or not isinstance(step.get("id"), str):
            raise InvalidInput("every step needs a string id")
        sid, do = step["id"], step.get("do")
        if do == "forward":
            out.append(Step(sid, do, [], None))
            continue
        if do != "train":
            raise Unsupported(f"step {sid}: unknown action {do!r} (forward, train)")
        names = step.get("trainable")
        if names is None:
            names = list(shapes)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput(f"{sid}.trainable must be a list of parameter names")
        for n in names:
            if n not in shapes:
                raise InvalidInput(f"unknown parameter {n}")
        clip = step.get("clip")
        out.append(Step(sid, do, names, None if clip is None else number(clip, f"{sid}.clip")))
    return out


ADAM_DEFAULTS = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def optimizer(spec: Any) -> dict:
    """The optimizer with its hyperparameters filled in: {"kind": "sgd", "lr"}, {"kind": "momentum", "lr",
    "beta"} or {"kind": "adam", "lr", "beta1", "beta2", "eps"} (Adam's defaults for those not given). A scenario
    without one trains with SGD at lr 0.1, as the reference does."""
    if spec is None:
        spec = {"kind": "sgd", "lr": 0.1}
    if not isinstance(spec, dict):
        raise InvalidInput("optimizer must be an object")
    kind = spec.get("kind")
    if kind == "sgd":
        return {"kind": kind, "lr": number(spec.get("lr"), "optimizer.lr")}
    if kind == "momentum":
        return {"kind": kind, "lr": number(spec.get("lr"), "optimizer.lr"),
                "beta": number(spec.get("beta"), "optimizer.beta")}
    if kind == "adam":
        h = dict(ADAM_DEFAULTS)
        for k in h:
            if k in spec:
                h[k] = number(spec[k], f"optimizer.{k}")
        return {"kind": kind, **h}
    raise Unsupported(f"unknown optimizer kind {kind!r} (sgd, momentum, adam)")


# ---------------------------------------------------------------------------------------------------------------
# The request loop
# ---------------------------------------------------------------------------------------------------------------

OpFunction = Callable[[Args], dict]
ModelFunction = Callable[[dict, "frozenset[str] | None"], dict]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class Adapter:
    """What `serve` runs; build one yourself to call `handle` on request lines in a test."""

    def __init__(self, name: str, version: str = "0.1.0", *, ops: dict[str, OpFunction] | None = None,
                 model: ModelFunction | None = None, features: Iterable[str] = (), trace: Iterable[str] | None = None,
                 dtype: str = "float64", language: str = "Python", to_array: Callable[[Tensor], Any] | None = None,
                 base64_min: int | None = 64):
        self.ops = dict(ops or {})
        self.model = model
        self.to_array = to_array
        self.base64_min = base64_min
        features = list(features)
        if features and model is None:
            raise ValueError("model features are declared but no model function is given")
        capabilities: dict = {"ops": list(self.ops), "features": features}
        if trace is not None:
            capabilities["trace"] = list(trace)
        self.implementation = {"name": name, "version": version, "language": language, "dtype": dtype,
                               "capabilities": capabilities}
        unknown = [o for o in self.ops if o not in KNOWN_OPS] + [f for f in features if f not in KNOWN_FEATURES]
        if unknown:
            sys.stderr.write(f"tconf_adapter: the harness may not know {', '.join(unknown)}; the handshake will say\n")

    # -- one request ----------------------------------------------------------------------------------------------
    def handle(self, line: str) -> dict | None:
        """The response to one request line; None for shutdown. Never raises."""
        try:
            req = json.loads(line, parse_constant=_reject_constant)
        except ValueError as e:
            return error(0, f"the request is not JSON: {e}")
        rid = req.get("id") if isinstance(req, dict) else None
        if not isinstance(rid, int) or isinstance(rid, bool) or rid < 0:
            return error(0, "the request must be an object with a non-negative integer id")
        kind = req.get("type")
        if kind == "hello":
            if req.get("protocol_version") != PROTOCOL_VERSION:
                version = req.get("protocol_version")
                return error(rid, f"protocol_version {version!r} is not supported (only {PROTOCOL_VERSION})")
            return {"id": rid, "type": "hello", "protocol_version": PROTOCOL_VERSION,
                    "implementation": self.implementation}
        if kind == "shutdown":
            return None
        if kind != "run":
            return error(rid, f"unknown request type {kind!r} (hello, run, shutdown)")
        if "scenario" not in req:
            return error(rid, "a run request needs a scenario")
        paths = req.get("paths")
        wanted = frozenset(paths) if isinstance(paths, list) and all(isinstance(p, str) for p in paths) else None
        try:
            trace = self.run(req["scenario"], wanted)
            if wanted is not None:  # the harness reads only these; the rest would be written and parsed for nothing
                trace = {p: v for p, v in trace.items() if p in wanted}
            return {"id": rid, "type": "trace",
                    "trace": {str(p): encode(v, self.base64_min, str(p)) for p, v in trace.items()}}
        except AdapterError as e:
            return error(rid, str(e) or type(e).__name__)
        except Exception as e:  # a bug or an unforeseen input: report it, keep serving
            traceback.print_exc(file=sys.stderr)
            return error(rid, f"{type(e).__name__}: {e}")

    def run(self, scenario: Any, paths: frozenset[str] | None) -> dict:
        """The trace (path → value) of one scenario."""
        if not isinstance(scenario, dict):
            raise InvalidInput("scenario must be an object")
        kind = scenario.get("kind")
        if kind == "ops":
            return self.run_ops(scenario)
        if kind == "model":
            if self.model is None:
                raise Unsupported("this implementation runs no model scenarios")
            trace = self.model(scenario, paths)
            if not isinstance(trace, dict):
                raise TypeError(f"the model function returned a {type(trace).__name__}, not a dict")
            return trace
        raise Unsupported(f"unsupported scenario kind {kind!r} (model, ops)")

    def run_ops(self, scenario: dict) -> dict:
        calls = scenario.get("calls")
        if not isinstance(calls, list):
            raise InvalidInput("an ops scenario needs a list of calls")
        trace = {}
        for call in calls:
            if not isinstance(call, dict):
                raise InvalidInput("every call must be an object")
            cid, op, args = call.get("id"), call.get("op"), call.get("args")
            if not isinstance(cid, str):
                raise InvalidInput("every call needs a string id")
            if not isinstance(args, dict):
                raise InvalidInput(f"{cid}: args must be an object")
            fn = self.ops.get(op) if isinstance(op, str) else None
            if fn is None:
                raise Unsupported(f"{cid}: unknown op {op!r}")
            out = fn(Args(cid, args, self.to_array))
            if not isinstance(out, dict):
                raise TypeError(f"op {op} returned a {type(out).__name__}, not a dict of outputs")
            for name, value in out.items():
                trace[f"{cid}/{name}"] = value
        return trace

    # -- the loop -------------------------------------------------------------------------------------------------
    def serve(self, stdin=None) -> None:
        """Answers requests until shutdown or the end of the input."""
        out = _protocol_stdout()
        source = stdin if stdin is not None else sys.stdin.buffer
        while True:
            raw = source.readline()
            if not raw:
                break
            try:
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError:
                response = error(0, "the request is not UTF-8")
            else:
                if not line.strip():
                    continue
                response = self.handle(line)
                if response is None:
                    break
            try:
                text = json.dumps(response, allow_nan=False, separators=(",", ":"))
            except (ValueError, TypeError) as e:
                text = json.dumps(error(response.get("id", 0), f"unencodable answer: {e}"))
            try:
                out.write(text.encode("utf-8") + b"\n")
                out.flush()
            except (BrokenPipeError, OSError):  # the harness has gone: nobody to answer
                break


def error(rid: int, message: str) -> dict:
    return {"id": rid, "type": "error", "message": message}


_PROTOCOL_OUT = None


def _protocol_stdout():
    """The protocol stream: the original stdout, kept on a file descriptor of its own. File descriptor 1 and
    sys.stdout then point at stderr, so a stray print (or a native library writing to fd 1) cannot corrupt it."""
    global _PROTOCOL_OUT
    if _PROTOCOL_OUT is None:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        try:
            fd = os.dup(1)
            os.dup2(2, 1)
            _PROTOCOL_OUT = os.fdopen(fd, "wb")
        except OSError:  # no real file descriptors (an embedded interpreter): keep the Python-level stream
            _PROTOCOL_OUT = sys.stdout.buffer
        sys.stdout = sys.stderr
    return _PROTOCOL_OUT


def serve(name: str, version: str = "0.1.0", **options) -> None:
    """Builds an Adapter (see its arguments: ops, model, features, trace, dtype, language, to_array, base64_min)
    and answers requests on stdin until shutdown or the end of the input."""
    Adapter(name, version, **options).serve()
