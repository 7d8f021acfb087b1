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

Inside their loops the gated cells keep gates gate-major, (T, K, B, H):
there each gate of a step is one contiguous (B, H) block, where in
(T, B, K*H) it would be a strided column slice, which NumPy operations on
(B, H) blocks cost several times more. The weight gradients go back to
(T, B, K*H) with one copy. Their sigmoids are computed through tanh,
sigmoid(a) = (1 + tanh(a/2)) / 2, with the sigmoid gates' columns of the
weights and biases halved beforehand: one tanh call for all gates of a step
in place of four operations for the sigmoid gates and one for the others.

Padding never enters a product: finished rows are never computed, their
states stay zero in `hs`, and their deltas stay zero.
"""

import numpy as np


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
        h = hs[t + 1, :n]
        xp.matmul(hs[t, :n], Whh, out=h)  # no temporary array
        h += A[t, :n]
        xp.tanh(h, out=h)

    # tanh' = 1 - h^2 for every step at once (zero on finished rows)
    dtanh = hs[1:] * hs[1:]
    xp.subtract(1.0, dtanh, out=dtanh)
    return hs, dtanh


def rnn_backward(xp, params, X, hs, dtanh, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None."""
    T, B, _ = X.shape
    WhhT = xp.ascontiguousarray(params["Whh"].T)  # a transposed view: 2x slower here
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


# helpers of the gated cells: gate-major layout, sigmoid through tanh


def _gate_major(xp, G, K):
    """(T, B, K*H) -> (T, K, B, H), contiguous."""
    T, B, KH = G.shape
    return xp.ascontiguousarray(G.reshape(T, B, K, KH // K).transpose(0, 2, 1, 3))


def _gate_minor(xp, G):
    """(T, K, B, H) -> (T, B, K*H), contiguous: the weight gradients' form."""
    T, K, B, H = G.shape
    return xp.ascontiguousarray(G.transpose(0, 2, 1, 3)).reshape(T, B, K * H)


def _per_gate(xp, W, K):
    """(H', K*H) -> (K, H', H): one weight block per gate, for batched products."""
    R, KH = W.shape
    return xp.ascontiguousarray(W.reshape(R, K, KH // K).transpose(1, 0, 2))


def _halved(xp, H, K, sigmoids, dtype):
    """(K*H,) column scales: 1/2 for the first `sigmoids` gates, 1 for the rest."""
    scale = xp.ones(K * H, dtype=dtype)
    scale[: sigmoids * H] = 0.5
    return scale


def _sigmoid_from_tanh_(s):
    """s <- (1 + s) / 2, in place: turns tanh(a/2) into sigmoid(a)."""
    s *= 0.5
    s += 0.5


def _recurrent_delta(xp, dgates, WT, work, out):
    """out <- sum over gates k of dgates[k] @ WT[k]; dgates (K, n, H).

    One batched product, then plain additions (cheaper here than a sum
    over the gate axis)."""
    K, n, _ = dgates.shape
    parts = work[:, :n]
    xp.matmul(dgates, WT, out=parts)
    xp.add(parts[0], parts[1], out=out)
    for k in range(2, K):
        out += parts[k]


# LSTM, gates in the order o, i, f, g: the three sigmoids side by side,
# and the three gates that c_t feeds back into (i, f, g) side by side too


def lstm_forward(xp, params, X, steps):
    """X (T, B, D) -> hs (T+1, B, H), cache."""
    T, B, _ = X.shape
    Wh = params["Wh"]
    H = Wh.shape[0]
    half = _halved(xp, H, 4, 3, X.dtype)  # o, i, f through tanh(a/2)
    G = _input_projection(X, params["Wx"] * half, params["b"] * half)
    G = _gate_major(xp, G, 4)  # (T, 4, B, H)
    Wh4 = _per_gate(xp, Wh * half, 4)  # (4, H, H)
    cs = xp.zeros((T + 1, B, H), dtype=X.dtype)  # cell states
    tcs = xp.zeros((T, B, H), dtype=X.dtype)  # tanh(c_t)
    hs = xp.zeros((T + 1, B, H), dtype=X.dtype)
    ig = xp.empty((B, H), dtype=X.dtype)
    rec = xp.empty((4, B, H), dtype=X.dtype)

    # recurrence; G[t] becomes the gate activations in place
    for t in range(T):
        n = steps[t]
        a = G[t, :, :n]
        xp.matmul(hs[t, :n], Wh4, out=rec[:, :n])
        a += rec[:, :n]
        xp.tanh(a, out=a)
        _sigmoid_from_tanh_(a[:3])  # o, i, f
        o, i, f, g = a
        c = cs[t + 1, :n]
        xp.multiply(f, cs[t, :n], out=c)  # f c_{t-1}
        xp.multiply(i, g, out=ig[:n])
        c += ig[:n]  # + i g
        xp.tanh(c, out=tcs[t, :n])
        xp.multiply(o, tcs[t, :n], out=hs[t + 1, :n])

    return hs, (G, cs, tcs)


def lstm_backward(xp, params, X, hs, cache, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None."""
    G, cs, tcs = cache
    T, B, _ = X.shape
    H = params["Wh"].shape[0]
    WhT4 = xp.ascontiguousarray(_per_gate(xp, params["Wh"], 4).transpose(0, 2, 1))
    dG = xp.zeros((T, 4, B, H), dtype=X.dtype)
    dh = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dh_t, both paths summed
    dc = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dc_t arriving from step t+1
    work = xp.empty((B, H), dtype=X.dtype)
    rec = xp.empty((4, B, H), dtype=X.dtype)

    # deltas backwards through time
    for t in reversed(range(T)):
        n = steps[t]
        d, c, w = dh[:n], dc[:n], work[:n]
        d += dhs[t, :n]
        a, da, tc = G[t, :, :n], dG[t, :, :n], tcs[t, :n]
        o, i, f, g = a
        do, di, df, dg = da
        # dc_t += dh_t o (1 - tanh(c_t)^2)
        xp.multiply(tc, tc, out=w)
        xp.subtract(1.0, w, out=w)
        w *= o
        w *= d
        c += w
        # activation derivatives: s (1 - s) for o, i, f and 1 - g^2 for g
        xp.multiply(a, a, out=da)
        xp.subtract(a[:3], da[:3], out=da[:3])
        xp.subtract(1.0, dg, out=dg)
        # times what each gate multiplies: o by tanh(c_t) and dh_t; i, f, g
        # by g, c_{t-1}, i and dc_t
        do *= tc
        do *= d
        di *= g
        df *= cs[t, :n]
        dg *= i
        da[1:] *= c
        # dc_{t-1} and dh_{t-1}
        c *= f
        _recurrent_delta(xp, da, WhT4, rec, d)

    dG = _gate_minor(xp, dG)
    grads = _weight_grads(xp, X, hs, dG, dG, ("Wx", "Wh", "b", None))
    dX = _input_grad(dG, params["Wx"]) if want_dX else None
    return grads, dX


# GRU, gates in the order r, z, n


def gru_forward(xp, params, X, steps):
    """X (T, B, D) -> hs (T+1, B, H), cache."""
    T, B, _ = X.shape
    Wh = params["Wh"]
    H = Wh.shape[0]
    half = _halved(xp, H, 3, 2, X.dtype)  # r, z through tanh(a/2)
    G = _input_projection(X, params["Wx"] * half, params["bx"] * half)
    G = _gate_major(xp, G, 3)  # (T, 3, B, H)
    Wh3 = _per_gate(xp, Wh * half, 3)  # (3, H, H)
    bh3 = (params["bh"] * half).reshape(3, 1, H)
    R = xp.zeros((T, 3, B, H), dtype=X.dtype)  # h_{t-1} Wh + bh, halved for r, z
    hs = xp.zeros((T + 1, B, H), dtype=X.dtype)
    tmp = xp.empty((B, H), dtype=X.dtype)

    # recurrence; G[t] becomes r, z, n in place
    for t in range(T):
        m = steps[t]
        g, r = G[t, :, :m], R[t, :, :m]
        xp.matmul(hs[t, :m], Wh3, out=r)
        r += bh3
        g[:2] += r[:2]
        xp.tanh(g[:2], out=g[:2])
        _sigmoid_from_tanh_(g[:2])  # r, z
        xp.multiply(g[0], r[2], out=tmp[:m])
        g[2] += tmp[:m]
        xp.tanh(g[2], out=g[2])  # n
        h = hs[t + 1, :m]
        xp.subtract(hs[t, :m], g[2], out=h)  # h_{t-1} - n
        h *= g[1]
        h += g[2]  # n + z (h_{t-1} - n)

    return hs, (G, R)


def gru_backward(xp, params, X, hs, cache, dhs, steps, want_dX=True):
    """dhs (T, B, H) -> weight gradients and dX (T, B, D) or None."""
    G, R = cache
    T, B, _ = X.shape
    Wx = params["Wx"]
    H = params["Wh"].shape[0]
    WhT3 = xp.ascontiguousarray(_per_gate(xp, params["Wh"], 3).transpose(0, 2, 1))
    dGh = xp.zeros((T, 3, B, H), dtype=X.dtype)  # d(h_{t-1} Wh + bh)
    dN = xp.zeros((T, B, H), dtype=X.dtype)  # d(pre-activation of n), input side
    dh = xp.zeros((B, H), dtype=X.dtype)  # dLoss/dh_t, both paths summed
    work, one_minus_z = (xp.empty((B, H), dtype=X.dtype) for _ in range(2))
    rec = xp.empty((3, B, H), dtype=X.dtype)

    # deltas backwards through time
    for t in reversed(range(T)):
        m = steps[t]
        d, w, zc = dh[:m], work[:m], one_minus_z[:m]
        d += dhs[t, :m]
        r, z, n = G[t, :, :m]
        dn, dgh = dN[t, :m], dGh[t, :, :m]
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
        xp.multiply(d, w, out=dgh[1])
        # r: dn (h_{t-1} Wh + bh)_n r (1 - r);  the recurrent n part: dn r
        xp.multiply(r, r, out=w)
        xp.subtract(r, w, out=w)
        w *= R[t, 2, :m]
        xp.multiply(dn, w, out=dgh[0])
        xp.multiply(dn, r, out=dgh[2])
        # dh_{t-1}: the direct path z and the path through the product
        d *= z
        _recurrent_delta(xp, dgh, WhT3, rec, w)
        d += w

    # the input side shares the r and z deltas; its n delta is dN
    X2 = X.reshape(T * B, -1)
    dGh2 = _gate_minor(xp, dGh).reshape(T * B, 3 * H)
    dN2 = dN.reshape(T * B, H)
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
