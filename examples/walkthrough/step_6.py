# Step 6: training: the backward pass by hand, the batch mean and an SGD step.
import math, sys
sys.dont_write_bytecode = True
from step_5 import tc, OPS, FEATURES as STEP_5, block, matmul, add
from step_4 import config, forward

def transpose(A):
    return [list(col) for col in zip(*A)]

def each(f, *xs):
    """f entry by entry over equally nested lists."""
    return [each(f, *col) for col in zip(*xs)] if isinstance(xs[0], list) else f(*xs)

def flat(x):
    return [v for e in x for v in flat(e)] if isinstance(x, list) else [x]

def attention_backward(c, W, l, t, dH, d, g):
    """From dL/d(block l's attention output, after its residual) to dL/d(its input); fills d and g."""
    a = f"blocks.{l}.attn."
    X = t[f"blocks.{l - 1}.out"] if l else t["X"]
    if c["attnResidual"]:
        d[f"grad.blocks.{l}.res1"] = dH
    d["grad." + a + "out"] = d["grad." + a + "context"] = dH  # no W_O: out is the context
    A, Q, K, V = t[a + "weights"][0], t[a + "Q"], t[a + "K"], t[a + "V"]
    dA = matmul(dH, transpose(V))
    dV = matmul(transpose(A), dH)
    dS = [[y * (u - sum(p * q for p, q in zip(ur, yr))) for y, u in zip(yr, ur)] for yr, ur in zip(A, dA)]
    dScores = each(lambda v: v / math.sqrt(c["dModel"]), dS)
    dQ, dK = matmul(dScores, K), matmul(transpose(dScores), Q)
    d.update({"grad." + a + "weights": [dA], "grad." + a + "scaled": [dS], "grad." + a + "scores": [dScores],
              "grad." + a + "Q": dQ, "grad." + a + "K": dK, "grad." + a + "V": dV})
    dX = dH if c["attnResidual"] else each(lambda v: 0.0, X)
    for w, dZ in (("W_Q", dQ), ("W_K", dK), ("W_V", dV)):  # X feeds Q, K and V: its gradients add up
        g[a + w] = matmul(transpose(X), dZ)
        dX = add(dX, matmul(dZ, transpose(W[a + w])))
    return dX

def backward(c, W, ex, t):
    """dL/d(every traced value and every parameter) of one example's loss, as `grad.<name>`."""
    if c["dFF"] or c["head"] != "classification":
        raise tc.Unsupported("backward is written here for attention and a classification head only")
    g = {name: each(lambda v: 0.0, w) for name, w in W.items()}
    target = tc.strict_class_index(ex.get("target"), c["outDim"])
    dlogits = [p - (k == target) for k, p in enumerate(t["probs"])]  # cross-entropy of the softmax
    g["head.W_out"] = [[h * dz for dz in dlogits] for h in t["final_repr"]]
    if c["headBias"]:
        g["head.b_out"] = dlogits
    dfinal = matmul([dlogits], transpose(W["head.W_out"]))[0]
    d = {"grad.logits": dlogits, "grad.final_repr": dfinal}
    dY = [[0.0] * c["dModel"] for _ in t["X"][:-1]] + [dfinal]  # only the last position reaches the head
    for l in reversed(range(c["layers"])):
        d[f"grad.blocks.{l}.out"] = dY
        dY = attention_backward(c, W, l, t, dY, d, g)
    d["grad.X"] = dY
    for token, row in zip(tc.tokens(ex, c), dY):  # +=: a token that appears twice sums its gradients
        g["embedding.E"][token] = add([g["embedding.E"][token]], [row])[0]
    d.update({"grad." + name: v for name, v in g.items()})
    return d

def model(scenario, paths):
    c = config(scenario)
    shapes = tc.param_shapes(c)
    W = {name: w.tolist() for name, w in tc.model_weights(scenario, shapes).items()}
    opt = tc.optimizer(scenario.get("optimizer"))
    if opt["kind"] != "sgd":
        raise tc.Unsupported(f"optimizer {opt['kind']}: only sgd here")
    trace = {}
    for step in tc.steps(scenario, shapes):
        if step.clip is not None:
            raise tc.Unsupported(f"step {step.id}: no clipping here")
        traces, losses = [], []
        for i, ex in enumerate(tc.examples(scenario)):
            t = {}
            losses.append(forward(c, W, ex, t, block))
            if step.do == "train":
                t.update(backward(c, W, ex, t))
            traces.append(t)
            trace.update({f"{step.id}/{i}/{name}": v for name, v in t.items()})
        if losses and None not in losses:
            trace[f"{step.id}/loss"] = sum(losses) / len(losses)  # before the update
        if step.do == "train":
            mean = {name: each(lambda *v: sum(v) / len(v), *(t["grad." + name] for t in traces)) for name in W}
            trace[f"{step.id}/grad_norm"] = math.sqrt(sum(v * v for name in step.trainable for v in flat(mean[name])))
            for name in step.trainable:
                W[name] = each(lambda w, dw: w - opt["lr"] * dw, W[name], mean[name])
            trace.update({f"{step.id}/grad.{name}": v for name, v in mean.items()})
        trace.update({f"{step.id}/param.{name}": w for name, w in W.items()})
    return trace

FEATURES = STEP_5 + ["backward", "sgd", "batch"]

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="6", ops=OPS, model=model, features=FEATURES)
