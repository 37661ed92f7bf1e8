"""A multi-layer perceptron as pure functions over arrays.

Notation follows the lab sheets: layer l computes ``z[l] = a[l-1] @ W[l] + b[l]``
and ``a[l] = g(z[l])``; the last layer L applies softmax instead of g.
Parameters live in a dict ``{"W1": ..., "b1": ..., "W2": ...}`` and gradients
in a dict with matching keys ``{"dW1": ..., "db1": ...}``.

Every function treats the last two axes of an array as (samples, features) and
any axes before them as a batch of independent networks.  One network has
``W1`` of shape (fan_in, fan_out); a stack of K networks has (K, fan_in,
fan_out) and goes through the same code, one matmul per layer for all K.  The
data X (N, d) is shared and broadcasts against every network.

``lab.mlp_engine.train`` trains with these maths laid out for speed (its
``_Stack``); these functions are its reference, which tests hold it to, and
serve the studies' summaries and ``gradient_check``, back-propagation checked
against central differences.

Left out on purpose: mini-batches, momentum, regularisation.  The lab sheets
ask for vanilla full-batch gradient descent and nothing else.
"""
from __future__ import annotations

from functools import lru_cache, reduce

import numpy as np

from lab.gradcheck import numerical_gradient, relative_error

# --- sums and maxima over the sample and class axes ---------------------------
# numpy's reductions over an axis as short as the 2 classes, or over the samples
# of an (N, 8) array, take several times longer than the matmul that follows.
# Products with a vector of ones give the same sums, and a running np.maximum
# over the few class columns the same maxima, in a fraction of the time.


@lru_cache(maxsize=None)
def _ones(shape):
    ones = np.ones(shape)
    ones.flags.writeable = False  # shared between calls
    return ones


def sum_over_samples(a):
    """Σ over the sample axis: (..., N, F) -> (..., 1, F)."""
    return _ones((1, a.shape[-2])) @ a


def sum_over_classes(a):
    """Σ over the class axis: (..., N, C) -> (..., N, 1)."""
    return a @ _ones((a.shape[-1], 1))


def max_over_classes(a):
    """max over the class axis: (..., N, C) -> (..., N, 1)."""
    return reduce(np.maximum, [a[..., c:c + 1] for c in range(a.shape[-1])])


def argmax_over_classes(a):
    """The index of the largest entry on the class axis, the first on ties,
    as np.argmax gives: (..., N, C) -> (..., N)."""
    best = a[..., 0]
    index = np.zeros(a.shape[:-1], dtype=np.intp)
    for c in range(1, a.shape[-1]):
        index = np.where(a[..., c] > best, c, index)
        best = np.maximum(best, a[..., c])
    return index


# --- hidden-layer activations g and their derivatives g'(z) ------------------


def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z):
    # g'(0) is taken as 0, as in the sheet's drelu.
    return z > 0


def sigmoid(z):
    # 0.5·(1 + tanh(z/2)) is sigmoid without overflow for large negative z.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_grad(z):
    # s (1 − s) with s = (1 + t) / 2, t = tanh(z/2): (1 − t²) / 4, as the program writes it.
    t = np.tanh(0.5 * z)
    return 0.25 * (1.0 - t * t)


def tanh(z):
    return np.tanh(z)


def tanh_grad(z):
    t = np.tanh(z)
    return 1.0 - t * t


ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}

# --- initialisers: (rng, fan_in, fan_out) -> W of shape (fan_in, fan_out) ----


def he(rng, fan_in, fan_out):
    """He et al. (2015): std sqrt(2 / fan_in), suited to ReLU."""
    return rng.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)


def xavier(rng, fan_in, fan_out):
    """Glorot & Bengio (2010), normal form: std sqrt(2 / (fan_in + fan_out))."""
    return rng.randn(fan_in, fan_out) * np.sqrt(2.0 / (fan_in + fan_out))


def normal(rng, fan_in, fan_out):
    """Small random values: N(0, 0.01²)."""
    return rng.randn(fan_in, fan_out) * 0.01


def zeros(rng, fan_in, fan_out):
    """All zeros: draws nothing, and leaves every hidden unit identical."""
    return np.zeros((fan_in, fan_out))


INITIALISERS = {"he": he, "xavier": xavier, "normal": normal, "zeros": zeros}


def lookup(table, name, what):
    """``table[name]``, or a ValueError that lists the names accepted."""
    try:
        return table[name]
    except KeyError:
        raise ValueError(
            f"unknown {what} {name!r}; expected one of {', '.join(table)}"
        ) from None


def init_params(layers, init, rng):
    """Weights for ``layers = [d, h1, ..., C]`` drawn in the order W1, W2, ...

    Biases are zero and draw nothing, so the stream matches the sheet's
    ``np.random.seed(42)`` followed by one ``randn`` per weight matrix.
    Returns {"W1": (d, h1), "b1": (1, h1), ...}.
    """
    draw = lookup(INITIALISERS, init, "initialiser")
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        params[f"W{l}"] = draw(rng, fan_in, fan_out)
        params[f"b{l}"] = np.zeros((1, fan_out))
    return params


def stack_params(many):
    """Stack K parameter dicts into one with a leading axis of length K."""
    return {key: np.stack([p[key] for p in many]) for key in many[0]}


def unstack_params(params, k):
    """The k-th network of a stacked parameter dict."""
    return {key: value[k] for key, value in params.items()}


def depth(params):
    """Number of layers L (weight matrices) in a parameter dict."""
    return len(params) // 2


# --- dense layer ----------------------------------------------------------------


def dense_forward(a_prev, W, b):
    """z = a_prev @ W + b.

    a_prev (..., N, fan_in), W (..., fan_in, fan_out), b (..., 1, fan_out)
    -> z (..., N, fan_out).
    """
    z = a_prev @ W
    z += b  # in place: one fresh (N, fan_out) array per layer, not two
    return z


def dense_backward(dz, a_prev):
    """Gradients of a dense layer's parameters from dz = dLoss/dz.

    dz (..., N, fan_out) -> dW = a_prevᵀ·dz (..., fan_in, fan_out) and
    db = Σ over samples of dz (..., 1, fan_out).
    """
    dW = np.swapaxes(a_prev, -1, -2) @ dz
    db = sum_over_samples(dz)
    return dW, db


def dense_backward_input(dz, W):
    """The gradient passed to the layer below: da_prev = dz·Wᵀ (..., N, fan_in)."""
    return dz @ np.swapaxes(W, -1, -2)


# --- output layer: softmax and cross-entropy, side by side -----------------------


def softmax(z):
    """Class probabilities ŷ and their logarithms from the logits z (..., N, C).

    Shifting each row by its maximum leaves ŷ unchanged and keeps exp from
    overflowing: ŷ = exp(z − m) / s and log ŷ = (z − m) − log s, where
    m = max_c z and s = Σ_c exp(z − m) ≥ 1, so the log never sees a zero.
    Returns (ŷ, log ŷ); rows of ŷ sum to 1.
    """
    shifted = z - max_over_classes(z)
    e = np.exp(shifted)
    s = sum_over_classes(e)
    e /= s  # now ŷ
    shifted -= np.log(s)  # now log ŷ
    return e, shifted


def cross_entropy(log_yhat, Y):
    """Mean over the N samples of −Σ_c Y·log ŷ.  (..., N, C) -> (...)."""
    per_sample = sum_over_classes(Y * log_yhat)  # (..., N, 1)
    return -sum_over_samples(per_sample)[..., 0, 0] / Y.shape[-2]


def cross_entropy_grad(yhat, Y):
    """dLoss/dz[L] for softmax followed by cross-entropy: (ŷ − Y) / N."""
    return (yhat - Y) / Y.shape[-2]


def accuracy(yhat, y):
    """Fraction of samples whose most probable class is the label. -> (...)."""
    return np.mean(argmax_over_classes(yhat) == y, axis=-1)


# --- the whole network -----------------------------------------------------------


def forward(X, params, activation="relu"):
    """Forward pass through every layer.

    Returns (yhat, log_yhat, cache); cache[l-1] = (a[l-1], z[l]) for l = 1..L,
    what backward needs.
    """
    g, _ = lookup(ACTIVATIONS, activation, "activation")
    L = depth(params)
    cache = []
    a = X
    for l in range(1, L + 1):
        z = dense_forward(a, params[f"W{l}"], params[f"b{l}"])
        cache.append((a, z))
        if l < L:
            a = g(z)
    yhat, log_yhat = softmax(z)
    return yhat, log_yhat, cache


def backward(yhat, Y, cache, params, activation="relu"):
    """Back-propagation: the gradient of the mean cross-entropy for every
    parameter, as {"dW1": ..., "db1": ..., ...} matching ``params``."""
    _, g_grad = lookup(ACTIVATIONS, activation, "activation")
    L = len(cache)
    grads = {}
    dz = cross_entropy_grad(yhat, Y)  # δ = ŷ − y, averaged over N
    for l in range(L, 0, -1):
        a_prev, _ = cache[l - 1]
        grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(dz, a_prev)
        if l > 1:  # the input X needs no gradient
            dz = dense_backward_input(dz, params[f"W{l}"])  # da[l-1]
            dz *= g_grad(cache[l - 2][1])  # dz[l-1] = da ⊙ g'(z[l-1])
    return grads


def update(params, grads, lr):
    """Vanilla gradient descent, in place: w ← w − η·dw for every parameter.

    ``lr`` is a number, or an array (K, 1, 1) giving each of K stacked
    networks its own learning rate.
    """
    for key, value in params.items():
        value -= lr * grads["d" + key]


# --- the gradient check ----------------------------------------------------------


def gradient_check(X, Y, params, activation="relu", h=1e-6):
    """Compare back-propagation with central differences for one network.

    Returns {name: (analytical, numerical, relative error)} per parameter
    array, in the order of ``params``.
    """
    yhat, _, cache = forward(X, params, activation)
    grads = backward(yhat, Y, cache, params, activation)

    def loss():
        return cross_entropy(forward(X, params, activation)[1], Y)

    return {
        key: (grads["d" + key], numerical := numerical_gradient(loss, value, h),
              relative_error(grads["d" + key], numerical))
        for key, value in params.items()
    }
