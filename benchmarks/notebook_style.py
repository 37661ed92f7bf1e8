"""The lab sheet's notebook, written the straightforward way, as a baseline.

A dict of arrays, one function per step, numpy's reductions over the class and
sample axes.  Written for the benchmark only (nothing in labreport imports it),
with the sheet's cross-entropy corrected to the mean over samples of the
per-sample sum, so that its log can be compared line for line with lab/'s.
"""
import numpy as np


def he_init(rng, fan_in, fan_out):
    return rng.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)


def relu(z):
    return np.maximum(0, z)


def drelu(z):
    return (z > 0).astype(z.dtype)


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


def cross_entropy(yhat, Y):
    return -np.mean(np.sum(Y * np.log(yhat + 1e-9), axis=1))


def accuracy(yhat, y):
    return np.mean(np.argmax(yhat, axis=1) == y)


def forward(X, params, L):
    cache = {"a0": X}
    a = X
    for i in range(1, L):
        z = a @ params[f"W{i}"] + params[f"b{i}"]
        a = relu(z)
        cache[f"z{i}"] = z
        cache[f"a{i}"] = a
    yhat = softmax(a @ params[f"W{L}"] + params[f"b{L}"])
    cache["yhat"] = yhat
    return yhat, cache


def backward(Y, cache, params, L):
    grads = {}
    dz = (cache["yhat"] - Y) / Y.shape[0]
    grads[f"dW{L}"] = cache[f"a{L-1}"].T @ dz
    grads[f"db{L}"] = np.sum(dz, axis=0, keepdims=True)
    da = dz @ params[f"W{L}"].T
    for i in range(L - 1, 0, -1):
        dz = da * drelu(cache[f"z{i}"])
        grads[f"dW{i}"] = cache[f"a{i-1}"].T @ dz
        grads[f"db{i}"] = np.sum(dz, axis=0, keepdims=True)
        if i > 1:
            da = dz @ params[f"W{i}"].T
    return grads


def train(X, Y, y, layers, lr, epochs, seed):
    """Returns (losses, accuracies) for every epoch, as the sheet computes them."""
    rng = np.random.RandomState(seed)
    params = {}
    for i in range(len(layers) - 1):
        params[f"W{i+1}"] = he_init(rng, layers[i], layers[i + 1])
        params[f"b{i+1}"] = np.zeros((1, layers[i + 1]))
    L = len(layers) - 1
    losses, accuracies = [], []
    for _ in range(epochs):
        yhat, cache = forward(X, params, L)
        losses.append(cross_entropy(yhat, Y))
        accuracies.append(accuracy(yhat, y))
        grads = backward(Y, cache, params, L)
        for k in params:
            params[k] -= lr * grads["d" + k]
    return np.array(losses), np.array(accuracies)
