"""Recurrent cells, each a forward pass and a hand-written backward pass.

Legend (B batch, T steps, D embedding width, H hidden width, K gates):

    X      (T, B, D)    embedded inputs, time-major
    hs     (T+1, B, H)  hidden states; hs[0] = 0 and hs[t+1] follows step t
    dhs    (T, B, H)    dLoss/dh_t arriving from the head
    steps  list of T ints: rows still running at step t (a prefix of the
           batch, which is sorted longest first)

    rnn   h_t = tanh(x_t Wxh + h_{t-1} Whh + bh)              (Elman 1990)
          Wxh (D, H), Whh (H, H), bh (H,)
    lstm  [o i f g] = x_t Wx + h_{t-1} Wh + b; o, i, f sigmoid, g tanh
          c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)      (Hochreiter 1997)
          Wx (D, 4H), Wh (H, 4H), b (4H,)
    gru   [r z] = sigmoid(x_t Wx + bx + h_{t-1} Wh + bh)[:2H]
          n = tanh((x_t Wx + bx)[2H:] + r (h_{t-1} Wh + bh)[2H:])
          h_t = (1 - z) n + z h_{t-1}                          (Cho 2014,
          with the reset gate applied after the product, as in cuDNN)
          Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)

Every cell follows one rhythm. Forward: the input projection of all steps
in one product, then the recurrence over the running prefix only, one
product per step with all gates fused. Backward: deltas backwards through
time, in-place operations and one product per step; then the weight
gradients, one product each over all steps; then dX. The gated cells
compute their local derivatives inside the backward loop, on values still
in cache: measured on a CPU, that beat whole-sequence passes over
(T, B, 4H) arrays, which are bound by memory bandwidth. The vanilla RNN's
one derivative, 1 - h^2, is cheap enough to compute for all steps at once.

Padding never enters a product: finished rows are never computed, their
states stay zero in `hs`, and their deltas stay zero.
"""

import contextlib

import numpy as np


def _quiet(xp):
    """exp overflows to inf in a saturated sigmoid, which is the right answer."""
    if xp is np:
        return np.errstate(over="ignore")
    return contextlib.nullcontext()


def _sigmoid_(xp, a):
    """a <- 1 / (1 + exp(-a)), in place; exp(-a) = inf gives exactly 0."""
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1.0
    xp.reciprocal(a, out=a)


def _input_projection(X, Wx, b):
    """x_t Wx + b for every step in one product: (T, B, D) -> (T, B, K)."""
    T, B, D = X.shape
    G = X.reshape(T * B, D) @ Wx
    G += b
    return G.reshape(T, B, -1)


def _weight_grads(xp, X, hs, dGx, dGh, names):
    """Weight gradients, one product each over all steps and rows."""
    T, B, D = X.shape
    H = hs.shape[-1]
    Wx, Wh, bx, bh = names
    dGx2 = dGx.reshape(T * B, -1)
    dGh2 = dGh.reshape(T * B, -1)
    ones = xp.ones(T * B, dtype=X.dtype)  # column sums as products: faster
    grads = {
        Wx: X.reshape(T * B, D).T @ dGx2,
        Wh: hs[:-1].reshape(T * B, H).T @ dGh2,
        bx: ones @ dGx2,
    }
    if bh is not None:
        grads[bh] = ones @ dGh2
    return grads


def _input_grad(dGx, Wx):
    T, B, _ = dGx.shape
    return (dGx.reshape(T * B, -1) @ Wx.T).reshape(T, B, -1)


# vanilla tanh RNN


def rnn_forward(xp, params, X, steps):
    """X (T, B, D) -> hs (T+1, B, H), cache."""
    T, B, _ = X.shape
    Whh = params["Whh"]
    H = Whh.shape[0]
    A = _input_projection(X, params["Wxh"], params["bh"])  # (T, B, H)

    # recurrence over the running prefix of the batch
    hs = xp.zeros((T + 1, B, H), dtype=X.dtype)
    for t in range(T):
        n = steps[t]
        a = A[t, :n]
        a += hs[t, :n] @ Whh
        xp.tanh(a, out=hs[t + 1, :n])

    # tanh' = 1 - h^2 for every step at once (zero on finished rows)
    dtanh = hs[1:] * hs[1:]
    xp.subtract(1.0, dtanh, out=dtanh)
    return hs, dtanh


def rnn_backward(xp, params, X, hs, dtanh, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None."""
    T, B, _ = X.shape
    WhhT = params["Whh"].T
    H = WhhT.shape[0]
    dA = xp.zeros((T, B, H), dtype=X.dtype)  # dLoss/d(pre-activation)
    dh = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dh_t arriving from step t+1

    # deltas backwards through time
    for t in reversed(range(T)):
        n = steps[t]
        g = dA[t, :n]
        xp.add(dhs[t, :n], dh[:n], out=g)
        g *= dtanh[t, :n]
        xp.matmul(g, WhhT, out=dh[:n])

    grads = _weight_grads(xp, X, hs, dA, dA, ("Wxh", "Whh", "bh", None))
    dX = _input_grad(dA, params["Wxh"]) if want_dX else None
    return grads, dX


# LSTM, gates in the order o, i, f, g: the three sigmoids side by side,
# and the three gates that c_t feeds back into (i, f, g) side by side too


def lstm_forward(xp, params, X, steps):
    """X (T, B, D) -> hs (T+1, B, H), cache."""
    T, B, _ = X.shape
    Wh = params["Wh"]
    H = Wh.shape[0]
    G = _input_projection(X, params["Wx"], params["b"])  # (T, B, 4H)
    cs = xp.zeros((T + 1, B, H), dtype=X.dtype)  # cell states
    tcs = xp.zeros((T, B, H), dtype=X.dtype)  # tanh(c_t)
    hs = xp.zeros((T + 1, B, H), dtype=X.dtype)
    ig = xp.empty((B, H), dtype=X.dtype)

    # recurrence; G[t] becomes the gate activations in place
    with _quiet(xp):
        for t in range(T):
            n = steps[t]
            a = G[t, :n]
            a += hs[t, :n] @ Wh
            _sigmoid_(xp, a[:, : 3 * H])  # o, i, f
            xp.tanh(a[:, 3 * H :], out=a[:, 3 * H :])  # g
            c = cs[t + 1, :n]
            xp.multiply(a[:, 2 * H : 3 * H], cs[t, :n], out=c)  # f c_{t-1}
            xp.multiply(a[:, H : 2 * H], a[:, 3 * H :], out=ig[:n])  # i g
            c += ig[:n]
            xp.tanh(c, out=tcs[t, :n])
            xp.multiply(a[:, :H], tcs[t, :n], out=hs[t + 1, :n])

    return hs, (G, cs, tcs)


def lstm_backward(xp, params, X, hs, cache, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None.

    The local derivatives are computed step by step inside the loop, where
    that step's values are still in cache: on a CPU, whole-sequence passes
    over (T, B, 4H) arrays cost more than the extra small operations.
    """
    G, cs, tcs = cache
    T, B, _ = X.shape
    WhT = params["Wh"].T
    H = WhT.shape[1]
    dG = xp.zeros((T, B, 4 * H), dtype=X.dtype)
    dh = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dh_t, both paths summed
    dc = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dc_t arriving from step t+1
    work = xp.empty((B, H), dtype=X.dtype)

    # deltas backwards through time
    for t in reversed(range(T)):
        n = steps[t]
        d, c, w = dh[:n], dc[:n], work[:n]
        d += dhs[t, :n]
        a, da, tc = G[t, :n], dG[t, :n], tcs[t, :n]
        o, i, f, g = (a[:, k * H : (k + 1) * H] for k in range(4))
        # dc_t += dh_t o (1 - tanh(c_t)^2)
        xp.multiply(tc, tc, out=w)
        xp.subtract(1.0, w, out=w)
        w *= o
        w *= d
        c += w
        # activation derivatives: s (1 - s) for o, i, f and 1 - g^2 for g
        xp.multiply(a, a, out=da)
        xp.subtract(a[:, : 3 * H], da[:, : 3 * H], out=da[:, : 3 * H])
        xp.subtract(1.0, da[:, 3 * H :], out=da[:, 3 * H :])
        # times what each gate multiplies: o by tanh(c_t) and dh_t; i, f, g
        # by g, c_{t-1}, i and dc_t
        da[:, :H] *= tc
        da[:, :H] *= d
        da[:, H : 2 * H] *= g
        da[:, 2 * H : 3 * H] *= cs[t, :n]
        da[:, 3 * H :] *= i
        da[:, H:].reshape(n, 3, H)[...] *= c[:, None, :]
        # dc_{t-1} and dh_{t-1}
        c *= f
        xp.matmul(da, WhT, out=d)

    grads = _weight_grads(xp, X, hs, dG, dG, ("Wx", "Wh", "b", None))
    dX = _input_grad(dG, params["Wx"]) if want_dX else None
    return grads, dX


# GRU, gates in the order r, z, n


def gru_forward(xp, params, X, steps):
    """X (T, B, D) -> hs (T+1, B, H), cache."""
    T, B, _ = X.shape
    Wh, bh = params["Wh"], params["bh"]
    H = Wh.shape[0]
    G = _input_projection(X, params["Wx"], params["bx"])  # (T, B, 3H)
    R = xp.zeros((T, B, 3 * H), dtype=X.dtype)  # h_{t-1} Wh + bh
    hs = xp.zeros((T + 1, B, H), dtype=X.dtype)
    tmp = xp.empty((B, H), dtype=X.dtype)

    # recurrence; G[t] becomes r, z, n in place
    with _quiet(xp):
        for t in range(T):
            m = steps[t]
            g, r = G[t, :m], R[t, :m]
            xp.matmul(hs[t, :m], Wh, out=r)
            r += bh
            g[:, : 2 * H] += r[:, : 2 * H]
            _sigmoid_(xp, g[:, : 2 * H])  # r, z
            xp.multiply(g[:, :H], r[:, 2 * H :], out=tmp[:m])
            g[:, 2 * H :] += tmp[:m]
            xp.tanh(g[:, 2 * H :], out=g[:, 2 * H :])  # n
            h = hs[t + 1, :m]
            xp.subtract(hs[t, :m], g[:, 2 * H :], out=h)  # h_{t-1} - n
            h *= g[:, H : 2 * H]
            h += g[:, 2 * H :]  # n + z (h_{t-1} - n)

    return hs, (G, R)


def gru_backward(xp, params, X, hs, cache, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None.

    The local derivatives are computed step by step inside the loop, where
    that step's values are still in cache: on a CPU, whole-sequence passes
    over (T, B, H) arrays cost more than the extra small operations.
    """
    G, R = cache
    T, B, _ = X.shape
    Wx, WhT = params["Wx"], params["Wh"].T
    H = WhT.shape[1]
    dGh = xp.zeros((T, B, 3 * H), dtype=X.dtype)  # d(h_{t-1} Wh + bh)
    dN = xp.zeros((T, B, H), dtype=X.dtype)  # d(pre-activation of n), input side
    dh = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dh_t, both paths summed
    work, one_minus_z = (xp.empty((B, H), dtype=X.dtype) for _ in range(2))

    # deltas backwards through time
    for t in reversed(range(T)):
        m = steps[t]
        d, w, zc = dh[:m], work[:m], one_minus_z[:m]
        d += dhs[t, :m]
        r, z, n = G[t, :m, :H], G[t, :m, H : 2 * H], G[t, :m, 2 * H :]
        dn, dgh = dN[t, :m], dGh[t, :m]
        # n: d (1 - z) (1 - n^2)
        xp.subtract(1.0, z, out=zc)
        xp.multiply(n, n, out=w)
        xp.subtract(1.0, w, out=w)
        xp.multiply(d, zc, out=dn)
        dn *= w
        # z: d (h_{t-1} - n) z (1 - z)
        xp.subtract(hs[t, :m], n, out=w)
        w *= z
        w *= zc
        xp.multiply(d, w, out=dgh[:, H : 2 * H])
        # r: dn (h_{t-1} Wh + bh)_n r (1 - r);  the recurrent n part: dn r
        xp.multiply(r, r, out=w)
        xp.subtract(r, w, out=w)
        w *= R[t, :m, 2 * H :]
        xp.multiply(dn, w, out=dgh[:, :H])
        xp.multiply(dn, r, out=dgh[:, 2 * H :])
        # dh_{t-1}: the direct path z and the path through the product
        d *= z
        xp.matmul(dgh, WhT, out=w)
        d += w

    # the input side shares the r and z deltas; its n delta is dN
    X2 = X.reshape(T * B, -1)
    dGh2, dN2 = dGh.reshape(T * B, 3 * H), dN.reshape(T * B, H)
    ones = xp.ones(T * B, dtype=X.dtype)  # column sums as products: faster
    grads = {
        "Wx": xp.concatenate([X2.T @ dGh2[:, : 2 * H], X2.T @ dN2], axis=1),
        "Wh": hs[:-1].reshape(T * B, H).T @ dGh2,
        "bx": xp.concatenate([ones @ dGh2[:, : 2 * H], ones @ dN2]),
        "bh": ones @ dGh2,
    }
    dX = None
    if want_dX:
        dX = dGh2[:, : 2 * H] @ Wx[:, : 2 * H].T
        dX += dN2 @ Wx[:, 2 * H :].T
        dX = dX.reshape(T, B, -1)
    return grads, dX


FORWARD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}
BACKWARD = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def shapes(cell, D, H):
    """Parameter shapes of a cell."""
    K = GATES[cell]
    if cell == "rnn":
        return {"Wxh": (D, H), "Whh": (H, H), "bh": (H,)}
    out = {"Wx": (D, K * H), "Wh": (H, K * H)}
    if cell == "lstm":
        out["b"] = (K * H,)
    else:
        out.update(bx=(K * H,), bh=(K * H,))
    return out


def init(cell, D, H, rng):
    """Glorot-uniform input weights and an orthogonal recurrent block per gate.

    Orthogonal recurrent weights keep back-propagated deltas from growing or
    shrinking at the start of training (Saxe et al., 2014). The LSTM's forget
    gate starts with bias 1, so that it starts by remembering (Jozefowicz et
    al., 2015).
    """
    K = GATES[cell]
    Wh = np.concatenate([_orthogonal(H, rng) for _ in range(K)], axis=1)
    limit = np.sqrt(6.0 / (D + H))
    Wx = rng.uniform(-limit, limit, size=(D, K * H))
    if cell == "rnn":
        return {"Wxh": Wx, "Whh": Wh, "bh": np.zeros(H)}
    if cell == "lstm":
        b = np.zeros(K * H)
        b[2 * H : 3 * H] = 1.0  # f
        return {"Wx": Wx, "Wh": Wh, "b": b}
    return {"Wx": Wx, "Wh": Wh, "bx": np.zeros(K * H), "bh": np.zeros(K * H)}


def _orthogonal(H, rng):
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix
