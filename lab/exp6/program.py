"""Experiment 6: a multi-layer perceptron learns XOR by gradient descent and
back-propagation, in numpy.  `python program.py` prints the epoch log.
One sample per column: X is (2, N), and layer l computes z = W a + b."""
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

DIVERGES = 10  # a loss above this many times the first epoch's has diverged

# Hidden activations g and their slopes g'; sigmoid through tanh, so that exp
# never overflows: 1 / (1 + exp(-z)) = (1 + tanh(z/2)) / 2.
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
                lambda z: 0.25 * (1.0 - np.tanh(0.5 * z) ** 2)),
}


def xor_data(repeats):
    """Inputs X (2, N), one-hot targets Y (2, N) and labels y (N,)."""
    y = np.tile([0, 1, 1, 0], repeats)
    X = np.tile([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], (repeats, 1))
    return X.T, np.eye(2)[y].T, y


def init_params(layers, init, rng):
    """W1, b1, W2, ...: each W drawn (n_in, n_out), as the sheet draws it, then
    transposed; biases zero.  Zero initialisation draws nothing."""
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


def forward(X, params, g):
    """ŷ, log ŷ, and every layer's (a_prev, z) for back-propagation.  Softmax
    subtracts each column's largest score: exp cannot overflow, nor log see 0."""
    L = len(params) // 2
    a, cache = X, []
    for l in range(1, L + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"]
        cache.append((a, z))
        if l < L:
            a = g(z)
    z = z - np.max(z, axis=0, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=0, keepdims=True)
    return e / s, z - np.log(s), cache


def backward(yhat, Y, cache, params, g_grad):
    """The gradient of the mean cross-entropy for every parameter."""
    grads = {}
    dz = (yhat - Y) / Y.shape[1]  # softmax and cross-entropy together
    for l in range(len(cache), 0, -1):
        a_prev, _ = cache[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            dz = (params[f"W{l}"].T @ dz) * g_grad(cache[l - 2][1])  # da ⊙ g'(z)
    return grads


def train(X, Y, y, params, lr, epochs, activation, print_every,
          loss_tol=None, acc_target=None, log=print):
    """Gradient descent; the loss and accuracy of each epoch's forward pass,
    before its update.  Stops if the loss diverges (is not finite or exceeds
    DIVERGES times the first) or the stopping rule is met."""
    g, g_grad = ACTIVATIONS[activation]
    losses, accuracies = [], []
    for e in range(1, epochs + 1):
        yhat, log_yhat, cache = forward(X, params, g)
        loss = -np.sum(Y * log_yhat) / len(y)
        accuracy = np.mean(np.argmax(yhat, axis=0) == y)
        grads = backward(yhat, Y, cache, params, g_grad)
        for key in params:
            params[key] -= lr * grads["d" + key]  # w ← w − η·dw
        losses.append(loss)
        accuracies.append(accuracy)
        if e % print_every == 0:
            log(f"Epoch {e:4d} | loss={loss:.6f} | acc={accuracy:.4f}")
        if not loss <= DIVERGES * losses[0]:
            log(f"diverged at epoch {e} (loss={loss:.6f})")
            break
        if (loss_tol is not None and loss < loss_tol
                or acc_target is not None and accuracy >= acc_target):
            log(f"stopping rule met at epoch {e}")
            break
    return np.array(losses), np.array(accuracies)


def run(seed=SEED, layers=LAYERS, init=INIT, activation=ACTIVATION, lr=LR, epochs=EPOCHS,
        repeats=REPEATS, print_every=PRINT_EVERY, loss_tol=LOSS_TOL, acc_target=ACC_TARGET,
        log=print):
    """Train the network the settings describe, print its log and predictions
    with `log`, and return what was trained and how."""
    X, Y, y = xor_data(repeats)
    params = init_params(list(layers), init, np.random.RandomState(seed))
    initial = {key: value.copy() for key, value in params.items()}
    loss, accuracy = train(X, Y, y, params, lr, epochs, activation, print_every,
                           loss_tol, acc_target, log)
    predictions = np.argmax(forward(X, params, ACTIVATIONS[activation][0])[0], axis=0)
    log("")
    log(f"Final accuracy: {np.mean(predictions == y)}")
    log(f"Sample predictions (first 8): {predictions[:8]}")
    log(f"Sample truths      (first 8): {y[:8]}")
    return {"initial": initial, "params": params, "loss": loss, "accuracy": accuracy,
            "X": X, "Y": Y, "y": y, "predictions": predictions}


if __name__ == "__main__":
    run()
