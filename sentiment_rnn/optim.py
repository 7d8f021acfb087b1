"""Optimisers and gradient clipping, updating parameter arrays in place.

Optimiser state is a flat dict: arrays `m_<name>`, `v_<name>`, the averaged
weights `avg_<name>` when weights are averaged, and the step count `step` (a
Python int, so reading it never syncs a GPU), so that a checkpoint can save
and restore it as plain arrays.
"""

import math

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "cosine", "linear")


def scheduled_rate(learning_rate, schedule, step, total_steps):
    """The learning rate of optimiser step `step` (1-based) of `total_steps`:
    constant; cosine from the full rate down to 0 at the last step
    (Loshchilov & Hutter, 2017, without restarts); or linear down to 0."""
    assert schedule in SCHEDULES, f"schedule {schedule!r} is not supported"
    if schedule == "constant" or total_steps <= 1:
        return learning_rate
    done = min(step - 1, total_steps) / total_steps
    if schedule == "cosine":
        return learning_rate * 0.5 * (1 + math.cos(math.pi * done))
    return learning_rate * (1 - done)


def decayed(name):
    """Whether weight decay applies to a parameter: to the weight matrices of
    the cells and of the output, not to biases or the embeddings (their rows
    would shrink whenever their words are absent from a batch)."""
    return name != "E" and not name.startswith("b")


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


def init_state(xp, params, optimizer, average=0.0):
    """Zeroed optimiser state for the parameters that will be trained, and a
    copy of them to average into when `average` (the decay) is above 0."""
    assert optimizer in OPTIMIZERS, f"optimizer {optimizer!r} is not supported"
    state = {"step": 0}
    for name, p in params.items():
        if optimizer == "adam":
            state[f"m_{name}"] = xp.zeros_like(p)
            state[f"v_{name}"] = xp.zeros_like(p)
        if average:
            state[f"avg_{name}"] = p.copy()
    return state


def average_weights(xp, params, state, decay):
    """Fold the parameters after a step into their exponential moving average
    (Polyak averaging, as TensorFlow's ExponentialMovingAverage does it): the
    weight of the newest parameters is 1 - decay, at least 1 - (1 + t) /
    (10 + t) at step t, so that the first steps' weights, far from trained,
    fade fast."""
    t = state["step"]
    keep = min(decay, (1 + t) / (10 + t))
    for name, p in params.items():
        avg = state.get(f"avg_{name}")
        if avg is not None:
            avg *= keep
            avg += (1 - keep) * p


def averaged(params, state):
    """The parameters with their averages where they are kept (the trained
    ones), the parameters themselves elsewhere (untrained embeddings)."""
    return {name: state.get(f"avg_{name}", p) for name, p in params.items()}


def update(
    xp,
    params,
    grads,
    state,
    optimizer,
    learning_rate,
    weight_decay=0.0,
    rate_scales=None,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
):
    """One step on every parameter that has a gradient.

    Adam: Kingma & Ba (2015), Algorithm 1, with the bias corrections folded
    into the step size. Weight decay is decoupled from the gradient (AdamW,
    Loshchilov & Hutter, 2019): the `decayed` weights shrink by
    learning_rate * weight_decay of themselves each step, whatever Adam's
    scaling of their gradients. `rate_scales` maps a parameter's name to a
    factor of the learning rate for it alone (the embeddings learning slower).
    """
    scales = rate_scales or {}
    state["step"] += 1
    if weight_decay:
        shrink = 1 - learning_rate * weight_decay
        for name in grads:
            if decayed(name):
                params[name] *= shrink
    if optimizer == "sgd":
        for name, dp in grads.items():
            params[name] -= learning_rate * scales.get(name, 1.0) * dp
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
        work *= step_size * scales.get(name, 1.0)
        params[name] -= work
