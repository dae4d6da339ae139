# Step 3: softmax with its worksheet steps and, given upstream, its backward.
import math, sys
sys.dont_write_bytecode = True
from step_2 import tc, OPS as STEP_2

def softmax_rows(rows):
    out = {"max": [], "shifted": [], "exps": [], "sum": [], "y": []}
    for row in rows:
        m = max(row)  # subtracting the max keeps exp finite for logits near 1000
        shifted = [v - m for v in row]
        exps = [math.exp(v) for v in shifted]
        s = sum(exps)
        for key, value in zip(out, (m, shifted, exps, s, [e / s for e in exps])):
            out[key].append(value)
    return out

def softmax(args):
    x = args.tensor("x")
    out = softmax_rows(x.rows())
    if "upstream" in args:
        u = tc.Tensor(x.shape, args.tensor("upstream").data).rows()  # shaped like x
        out["dx"] = [[yj * (uj - sum(a * b for a, b in zip(ur, yr))) for yj, uj in zip(yr, ur)]
                     for yr, ur in zip(out["y"], u)]
    if x.ndim == 1:  # a vector x is one row: max and sum are scalars, the rest vectors
        out = {key: value[0] for key, value in out.items()}
    return out

OPS = {**STEP_2, "softmax": softmax}

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="3", ops=OPS)
