// The text of one small valid fixture, for tests that break it in one place at a time.

/** An ops fixture; its lines: 7 the call, 9 the claim, 11 quote, 12 path, 13 printed, 14 verdict. */
export const SMALL_OPS_FIXTURE = `id: t
title: a small fixture
document: false
scenario:
  kind: ops
  calls:
    - { id: p, op: matmul, args: { A: [[1, 0], [0, 1]], B: [[0.5, 0.5], [0.5, 0.5]] } }
claims:
  - id: c
    kind: value
    quote: "C = A × B"
    path: p/C
    printed: [["0.5", "0.5"], ["0.5", "0.5"]]
    verdict: ok
`;
