// Mirrors reference/residual.ts.
import { add, type Mat } from './tensor.js';

/** y = x + f(x) */
export const residualForward = (x: Mat, fx: Mat): Mat => add(x, fx);

/** y = x + f(x)  ⇒  dx = dy (the skip) and dfx = dy: the gradient goes unchanged into both paths */
export const residualBackward = (dy: Mat): { dx: Mat; dfx: Mat } => ({ dx: dy, dfx: dy });
