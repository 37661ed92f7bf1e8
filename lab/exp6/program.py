"""Experiment 6: gradient descent and back-propagation for a multi-layer
perceptron on XOR, in numpy.  `python program.py` prints the epoch log.

One sample per column: X is (2, N) and W[l] is (width of l, width of l-1),
so layer l computes z[l] = W[l] a[l-1] + b[l] (the sheet's a w + b, transposed).
"""
import numpy as np

# Settings
SEED = 42               # seed of the generator that draws the weights
LAYERS = [2, 8, 8, 2]   # widths: 2 inputs, the hidden layers, 2 classes
INIT = "he"             # weight initialiser: he, xavier, normal or zeros
ACTIVATION = "relu"     # hidden activation: relu, tanh or sigmoid
LR = 0.1                # learning rate η
EPOCHS = 5000           # epochs of full-batch gradient descent
REPEATS = 500           # times the four XOR points are repeated
PRINT_EVERY = 500       # epochs between printed lines
LOSS_TOL = None         # stop once the loss is below this (None: never)
ACC_TARGET = None       # stop once the accuracy reaches this (None: never)


def xor_data(repeats):
    """Inputs X (2, N), one-hot targets Y (2, N) and labels y (N,)."""
    y = np.tile([0, 1, 1, 0], repeats)
    X = np.tile([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], (repeats, 1))
    return X.T, np.eye(2)[y].T, y


def init_params(layers, init, rng):
    """W1, b1, W2, ...: weights drawn (n_in, n_out) as the sheet's notebook
    draws them, then transposed; biases zero.  Zero initialisation draws none."""
    params = {}
    for l in range(1, len(layers)):
        n_in, n_out = layers[l - 1], layers[l]
        std = {"he": np.sqrt(2.0 / n_in), "xavier": np.sqrt(2.0 / (n_in + n_out)),
               "normal": 0.01}
        if init == "zeros":
            W = np.zeros((n_in, n_out))
        else:
            W = rng.randn(n_in, n_out) * std[init]
        params[f"W{l}"], params[f"b{l}"] = W.T, np.zeros((n_out, 1))
    return params


# Hidden activations g and their derivatives g'; sigmoid written with tanh,
# 1 / (1 + exp(-z)) = (1 + tanh(z/2)) / 2, so that exp never overflows.
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
                lambda z: 0.25 * (1.0 - np.tanh(0.5 * z) ** 2)),
}


def softmax(z):
    """ŷ = exp(z) / Σ exp(z) down each column, and log ŷ.  Subtracting the
    column's maximum changes nothing, but exp cannot overflow nor log see 0."""
    z = z - np.max(z, axis=0, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=0, keepdims=True)
    return e / s, z - np.log(s)


def forward(X, params, g):
    """ŷ, log ŷ, and the (a[l-1], z[l]) of every layer for back-propagation."""
    L = len(params) // 2
    a, cache = X, []
    for l in range(1, L + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"]
        cache.append((a, z))
        if l < L:
            a = g(z)
    yhat, log_yhat = softmax(z)
    return yhat, log_yhat, cache


def backward(yhat, Y, cache, params, g_grad):
    """The gradient of the mean cross-entropy for every parameter."""
    grads = {}
    dz = (yhat - Y) / Y.shape[1]  # softmax and cross-entropy together
    for l in range(len(cache), 0, -1):
        a_prev, _ = cache[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            da = params[f"W{l}"].T @ dz
            dz = da * g_grad(cache[l - 2][1])  # dz[l-1] = da ⊙ g'(z[l-1])
    return grads


def epoch(X, Y, y, params, lr, g, g_grad):
    """One step of gradient descent.  Returns the loss (mean cross-entropy)
    and the accuracy of its forward pass, before the update."""
    yhat, log_yhat, cache = forward(X, params, g)
    loss = -np.sum(Y * log_yhat) / len(y)
    accuracy = np.mean(np.argmax(yhat, axis=0) == y)
    grads = backward(yhat, Y, cache, params, g_grad)
    for key in params:
        params[key] -= lr * grads["d" + key]  # w ← w − η·dw
    return loss, accuracy


def train(X, Y, y, params, lr, epochs, activation, print_every,
          loss_tol=None, acc_target=None, log=print):
    """Up to `epochs` epochs; the loss and accuracy of each.  Ends early if the
    loss is not finite or above 10 times its first (diverged), or by the rule."""
    g, g_grad = ACTIVATIONS[activation]
    losses, accuracies = [], []
    for e in range(1, epochs + 1):
        loss, accuracy = epoch(X, Y, y, params, lr, g, g_grad)
        losses.append(loss)
        accuracies.append(accuracy)
        if e % print_every == 0:
            log(f"Epoch {e:4d} | loss={loss:.6f} | acc={accuracy:.4f}")
        if not loss <= 10 * losses[0]:
            log(f"diverged at epoch {e} (loss={loss:.6f})")
            break
        if (loss_tol is not None and loss < loss_tol
                or acc_target is not None and accuracy >= acc_target):
            log(f"stopping rule met at epoch {e}")
            break
    return np.array(losses), np.array(accuracies)


def main():
    X, Y, y = xor_data(REPEATS)
    params = init_params(LAYERS, INIT, np.random.RandomState(SEED))
    train(X, Y, y, params, LR, EPOCHS, ACTIVATION, PRINT_EVERY, LOSS_TOL, ACC_TARGET)
    yhat, _, _ = forward(X, params, ACTIVATIONS[ACTIVATION][0])
    predictions = np.argmax(yhat, axis=0)
    print()
    print("Final accuracy:", np.mean(predictions == y))
    print("Sample predictions (first 8):", predictions[:8])
    print("Sample truths      (first 8):", y[:8])


if __name__ == "__main__":
    main()
