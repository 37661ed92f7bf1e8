"""Back-propagation agrees with central differences, and the check can tell
when it does not."""
from __future__ import annotations

import numpy as np
import pytest

from lab.gradcheck import numerical_gradient, relative_error
from lab.mlp_engine import network
from lab.mlp_engine.network import gradient_check

LAYERS_BY_DEPTH = {
    0: [2, 2],  # no hidden layer: softmax regression
    1: [2, 5, 2],
    2: [2, 5, 4, 2],
    3: [2, 5, 4, 3, 2],
}


def random_problem(layers, seed=0, n=7):
    """Random float64 inputs, labels and parameters with small random biases.

    Finite differences are wrong at ReLU's kink (z = 0), where the function has
    no derivative.  The XOR corners with zero biases put z exactly on it (the
    input (0, 0) gives z = 0 in the first layer), so the inputs here are
    random reals and the biases small random values: every z is then off 0 by
    far more than the step h = 1e-6, with probability 1.
    """
    rng = np.random.RandomState(seed)
    X = rng.randn(n, layers[0])
    y = rng.randint(0, layers[-1], size=n)
    params = network.init_params(layers, "he", rng)
    for l in range(1, len(layers)):
        params[f"b{l}"] = 0.1 * rng.randn(1, layers[l])
    return X, np.eye(layers[-1])[y], params


@pytest.mark.parametrize("hidden_layers", sorted(LAYERS_BY_DEPTH))
@pytest.mark.parametrize("activation", sorted(network.ACTIVATIONS))
def test_backprop_agrees_with_central_differences(activation, hidden_layers):
    layers = LAYERS_BY_DEPTH[hidden_layers]
    X, Y, params = random_problem(layers)
    checked = gradient_check(X, Y, params, activation)
    assert list(checked) == list(params)
    for name, (analytical, numerical, error) in checked.items():
        assert analytical.shape == numerical.shape == params[name].shape
        assert np.max(np.abs(analytical)) > 1e-4, f"{name}: gradient too small to test"
        assert error < 1e-6, f"{activation}, {layers}: {name} relative error {error:.2e}"


def test_gradient_check_leaves_the_parameters_as_it_found_them():
    X, Y, params = random_problem([2, 5, 2])
    before = {k: v.copy() for k, v in params.items()}
    gradient_check(X, Y, params)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_the_check_catches_a_backward_pass_that_drops_the_one_over_n(monkeypatch):
    # dz[L] = ŷ − Y instead of (ŷ − Y)/N: every gradient N times too large.
    monkeypatch.setattr(network, "cross_entropy_grad", lambda yhat, Y: yhat - Y)
    X, Y, params = random_problem([2, 5, 4, 2], n=7)
    checked = gradient_check(X, Y, params, "tanh")
    for name, (_, _, error) in checked.items():
        assert error > 0.5, name  # |N·g − g| / (N·g) = 6/7


def test_the_check_pinpoints_one_wrong_analytical_gradient(monkeypatch):
    real_backward = network.backward

    def backward_with_one_slip(*args, **kwargs):
        grads = real_backward(*args, **kwargs)
        grads["dW2"][1, 0] += 1e-3
        return grads

    monkeypatch.setattr(network, "backward", backward_with_one_slip)
    X, Y, params = random_problem([2, 5, 4, 2])
    errors = {name: e for name, (_, _, e) in gradient_check(X, Y, params, "relu").items()}
    assert errors["W2"] > 1e-4
    assert all(e < 1e-6 for name, e in errors.items() if name != "W2")


def test_the_check_catches_a_wrong_activation_derivative(monkeypatch):
    # tanh' taken as 1 − tanh (a slip of the square).
    monkeypatch.setitem(network.ACTIVATIONS, "tanh", (network.tanh, lambda z: 1 - np.tanh(z)))
    X, Y, params = random_problem([2, 5, 2])
    errors = {name: e for name, (_, _, e) in gradient_check(X, Y, params, "tanh").items()}
    assert errors["W1"] > 1e-2 and errors["b1"] > 1e-2
    assert errors["W2"] < 1e-6  # the output layer does not use g'


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: np.sum(x ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_relative_error_is_scaled_by_the_largest_gradient():
    a = np.array([1.0, 0.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    # A rounding-level difference on an entry that should be 0 is not a 100 % error.
    assert relative_error(a, a + [0.0, 1e-12, 0.0]) == pytest.approx(5e-13)
    assert relative_error(a, 2 * a) == pytest.approx(0.5)
