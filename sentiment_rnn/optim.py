"""Optimisers and gradient clipping, updating parameter arrays in place.

Optimiser state is a flat dict: arrays `m_<name>`, `v_<name>` and the step
count `step` (a Python int, so reading it never syncs a GPU), so that a
checkpoint can save and restore it as plain arrays.
"""

OPTIMIZERS = ("adam", "sgd")


def clip_by_global_norm(xp, grads, max_norm):
    """Scale all gradients together so their joint L2 norm is at most max_norm.

    Returns the norm before clipping (a device scalar: reading it syncs a GPU).
    """
    norm = xp.sqrt(sum(xp.dot(g.ravel(), g.ravel()) for g in grads.values()))
    if max_norm:
        scale = xp.minimum(1.0, max_norm / (norm + 1e-12))
        for g in grads.values():
            g *= scale.astype(g.dtype)
    return norm


def init_state(xp, params, optimizer):
    """Zeroed optimiser state for the parameters that will be trained."""
    assert optimizer in OPTIMIZERS, f"optimizer {optimizer!r} is not supported"
    state = {"step": 0}
    if optimizer == "adam":
        for name, p in params.items():
            state[f"m_{name}"] = xp.zeros_like(p)
            state[f"v_{name}"] = xp.zeros_like(p)
    return state


def update(
    xp, params, grads, state, optimizer, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8
):
    """One step on every parameter that has a gradient.

    Adam: Kingma & Ba (2015), Algorithm 1, with the bias corrections folded
    into the step size.
    """
    state["step"] += 1
    if optimizer == "sgd":
        for name, dp in grads.items():
            params[name] -= learning_rate * dp
        return
    t = state["step"]
    step_size = learning_rate * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
    for name, dp in grads.items():
        m, v = state[f"m_{name}"], state[f"v_{name}"]
        work = xp.multiply(dp, 1 - beta1)  # one scratch array, reused in place
        m *= beta1
        m += work  # first moment
        xp.multiply(dp, dp, out=work)
        work *= 1 - beta2
        v *= beta2
        v += work  # second moment
        xp.sqrt(v, out=work)
        work += eps
        xp.divide(m, work, out=work)
        work *= step_size
        params[name] -= work
