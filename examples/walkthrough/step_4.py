# Step 4: a model scenario, the forward pass of the book's 2×2 model (one head, no layer norm, no FFN).
import math, sys
sys.dont_write_bytecode = True
from step_3 import tc, OPS as STEP_3, softmax_rows

def matmul(A, B):
    return [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]

def add(A, B):
    return [[a + b for a, b in zip(r, s)] for r, s in zip(A, B)]

def attention(c, W, l, X, t):
    """Block l's single-head attention and the residual around it; its names go into the trace t."""
    p = f"blocks.{l}.attn."
    Q, K, V = (matmul(X, W[p + w]) for w in ("W_Q", "W_K", "W_V"))
    scores = matmul(Q, [list(k) for k in zip(*K)])
    scaled = [[s / math.sqrt(c["dModel"]) for s in row] for row in scores]  # d_k = dModel with one head
    weights = softmax_rows(scaled)["y"]
    context = matmul(weights, V)
    t.update({p + "Q": Q, p + "K": K, p + "V": V, p + "scores": [scores], p + "scaled": [scaled],
              p + "weights": [weights], p + "context": context, p + "out": context})  # no W_O: out = context
    if not c["attnResidual"]:
        return context
    t[f"blocks.{l}.res1"] = add(X, context)
    return t[f"blocks.{l}.res1"]

def block(c, W, l, X, t):
    if c["dFF"]:
        raise tc.Unsupported("no FFN yet")
    return attention(c, W, l, X, t)

def forward(c, W, ex, t, block):
    X = [W["embedding.E"][i] for i in tc.tokens(ex, c)]
    t["X"] = X
    for l in range(c["layers"]):
        X = t[f"blocks.{l}.out"] = block(c, W, l, X, t)
    t["final_repr"] = X[-1]  # the head reads the last position
    if c["head"] == "none":
        return None
    logits = matmul([X[-1]], W["head.W_out"])[0]
    if c["headBias"]:
        logits = [z + b for z, b in zip(logits, W["head.b_out"])]
    t["logits"] = logits
    t["probs"] = softmax_rows([logits])["y"][0]
    target = tc.class_index(ex.get("target"), c["outDim"])
    if target is not None:
        t["loss"] = -math.log(t["probs"][target])
    return t.get("loss")

def config(scenario):
    """The scenario's configuration, refused when it needs a part this walkthrough never writes."""
    c = tc.model_config(scenario.get("config"))
    missing = [name for name, on in (("multi-head", c["heads"] > 1), ("causal", c["causal"]),
               ("layer-norm", c["layerNorm"]), ("positional", c["positional"] != "none"),
               ("attn-projection", c["attnProjection"]), ("continuous-input", c["input"] != "tokens"),
               ("regression", c["head"] == "regression")) if on]
    if missing:
        raise tc.Unsupported(f"not implemented: {', '.join(missing)}")
    return c

def model_with(block):
    def model(scenario, paths):
        c = config(scenario)
        shapes = tc.param_shapes(c)
        W = {name: w.tolist() for name, w in tc.model_weights(scenario, shapes).items()}
        trace = {}
        for step in tc.steps(scenario, shapes):
            if step.do != "forward":
                raise tc.Unsupported(f"step {step.id}: training needs backward")
            losses = []
            for i, ex in enumerate(tc.examples(scenario)):
                t = {}
                losses.append(forward(c, W, ex, t, block))
                trace.update({f"{step.id}/{i}/{name}": v for name, v in t.items()})
            if losses and None not in losses:
                trace[f"{step.id}/loss"] = sum(losses) / len(losses)
            trace.update({f"{step.id}/param.{name}": w for name, w in W.items()})
        return trace
    return model

FEATURES = ["forward"]

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="4", ops=STEP_3, model=model_with(block), features=FEATURES)
