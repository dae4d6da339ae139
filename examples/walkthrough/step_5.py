# Step 5: the feed-forward layer (ReLU between two matrices) with its residual, and relu as an op.
import sys
sys.dont_write_bytecode = True
from step_4 import tc, STEP_3, FEATURES as STEP_4, attention, matmul, add, model_with

def relu(args):
    z = args.tensor("z")
    out = {"y": tc.Tensor(z.shape, [max(0.0, v) for v in z.data])}
    if "upstream" in args:  # ReLU'(0) = 0: no gradient passes at exactly zero
        out["dz"] = tc.Tensor(z.shape, [u if v > 0 else 0.0 for u, v in zip(args.tensor("upstream").data, z.data)])
    return out

def ffn(c, W, l, h, t):
    p = f"blocks.{l}.ffn."
    bias = lambda A, b: [[x + y for x, y in zip(row, W[p + b])] for row in A] if c["ffnBias"] else A
    hidden = bias(matmul(h, W[p + "W_1"]), "b_1")
    act = [[max(0.0, v) for v in row] for row in hidden]
    out = bias(matmul(act, W[p + "W_2"]), "b_2")
    t.update({p + "hidden": hidden, p + "act": act, p + "out": out})
    if not c["ffnResidual"]:
        return out
    t[f"blocks.{l}.res2"] = add(h, out)
    return t[f"blocks.{l}.res2"]

def block(c, W, l, X, t):
    h = attention(c, W, l, X, t)
    return ffn(c, W, l, h, t) if c["dFF"] else h

OPS = {**STEP_3, "relu": relu}
FEATURES = STEP_4 + ["ffn", "residual"]

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="5", ops=OPS, model=model_with(block), features=FEATURES)
