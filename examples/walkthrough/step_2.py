# Step 2: two more ops, matvec and dot, on top of step 1's.
import sys
sys.dont_write_bytecode = True  # importing step_1 must leave no __pycache__ either
from step_1 import tc, OPS as STEP_1

def matvec(args):
    M, x = args.tensor("M").rows(), args.tensor("x").data  # x: its values, whatever the nesting
    if len(M[0]) != len(x):
        raise tc.InvalidInput(f"{args.id}: M has {len(M[0])} columns but x has {len(x)} values")
    return {"y": [sum(m * v for m, v in zip(row, x)) for row in M]}

def dot(args):
    a, b = args.tensor("a").data, args.tensor("b").data
    if len(a) != len(b):
        raise tc.InvalidInput(f"{args.id}: a has {len(a)} values but b has {len(b)}")
    return {"value": sum(x * y for x, y in zip(a, b))}  # summed from i = 0, as spec/ops.md says

OPS = {**STEP_1, "matvec": matvec, "dot": dot}

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="2", ops=OPS)
