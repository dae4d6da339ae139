# Step 1: one op, matmul, in plain Python on the helper module.
import os, sys
sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import tconf_adapter as tc

def matmul(args):
    A, B = args.tensor("A").rows(), args.tensor("B").rows()  # checked, finite; a vector is one row
    if len(A[0]) != len(B):
        raise tc.InvalidInput(f"{args.id}: A has {len(A[0])} columns but B has {len(B)} rows")
    return {"C": [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]}

OPS = {"matmul": matmul}

if __name__ == "__main__":
    tc.serve(name="walkthrough", version="1", ops=OPS)
