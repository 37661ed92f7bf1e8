"""The maths of the MLP engine (lab.mlp_engine.network): softmax, cross-entropy,
activations and initialisers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lab.mlp_engine import network

# --- softmax ----------------------------------------------------------------------

EXTREME_LOGITS = np.array([
    [1000.0, -1000.0],
    [-1000.0, 1000.0],
    [1000.0, 1000.0],
    [-1000.0, -1000.0],
    [0.0, 1000.0],
])


def test_softmax_rows_sum_to_one_and_stay_finite_for_logits_of_plus_minus_1000():
    # exp(−2000) underflowing to 0 is expected; overflow, inf − inf or log(0) is not.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        yhat, log_yhat = network.softmax(EXTREME_LOGITS)
    assert np.all(np.isfinite(yhat))
    assert np.all(np.isfinite(log_yhat))
    np.testing.assert_allclose(yhat.sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_softmax_of_extreme_logits_gives_the_exact_probabilities_and_logs():
    yhat, log_yhat = network.softmax(EXTREME_LOGITS)
    np.testing.assert_array_equal(yhat[0], [1.0, 0.0])
    np.testing.assert_array_equal(log_yhat[0], [0.0, -2000.0])  # not -inf
    np.testing.assert_array_equal(log_yhat[1], [-2000.0, 0.0])
    np.testing.assert_allclose(yhat[2], [0.5, 0.5])
    np.testing.assert_allclose(log_yhat[2], [-math.log(2), -math.log(2)])
    np.testing.assert_allclose(log_yhat[3], [-math.log(2), -math.log(2)])
    np.testing.assert_allclose(log_yhat[4], [-1000.0, 0.0])


def test_softmax_agrees_with_the_textbook_formula_on_moderate_logits():
    z = np.array([[1.0, 2.0, 3.0], [-0.5, 0.0, 0.25]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    yhat, log_yhat = network.softmax(z)
    np.testing.assert_allclose(yhat, expected, rtol=1e-14)
    np.testing.assert_allclose(log_yhat, np.log(expected), rtol=1e-14)


def test_softmax_works_on_a_stack_of_networks():
    z = np.random.RandomState(0).randn(3, 5, 2) * 50
    yhat, log_yhat = network.softmax(z)
    assert yhat.shape == log_yhat.shape == (3, 5, 2)
    np.testing.assert_allclose(yhat.sum(axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(yhat[1], network.softmax(z[1])[0])


# --- cross-entropy ---------------------------------------------------------------


def test_cross_entropy_of_a_uniform_prediction_on_two_classes_is_ln_2():
    log_yhat = np.log(np.full((4, 2), 0.5))
    Y = np.eye(2)[[0, 1, 1, 0]]
    assert network.cross_entropy(log_yhat, Y) == pytest.approx(math.log(2), rel=1e-15)


def test_cross_entropy_matches_a_two_by_two_case_worked_by_hand():
    # Sample 1 is class 0, predicted 0.8; sample 2 is class 1, predicted 0.6.
    # Loss = −(ln 0.8 + ln 0.6) / 2 = (0.2231435513 + 0.5108256238) / 2.
    yhat = np.array([[0.8, 0.2], [0.4, 0.6]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert network.cross_entropy(np.log(yhat), Y) == pytest.approx(0.3669845876, abs=1e-10)


def test_cross_entropy_is_the_mean_over_samples_not_over_classes():
    # The sheet's notebook averaged over the class axis and got a vector back.
    log_yhat = np.log(np.array([[0.8, 0.2], [0.4, 0.6], [0.5, 0.5]]))
    Y = np.eye(2)[[0, 1, 0]]
    loss = network.cross_entropy(log_yhat, Y)
    assert np.ndim(loss) == 0
    assert loss == pytest.approx(-(math.log(0.8) + math.log(0.6) + math.log(0.5)) / 3)


def test_cross_entropy_of_a_stack_gives_one_loss_per_network():
    Y = np.eye(2)[[0, 1]]
    certain = np.log(np.array([[1.0, 1e-300], [1e-300, 1.0]]))
    uniform = np.log(np.full((2, 2), 0.5))
    losses = network.cross_entropy(np.stack([certain, uniform]), Y)
    np.testing.assert_allclose(losses, [0.0, math.log(2)], atol=1e-15)


def test_cross_entropy_gradient_is_yhat_minus_y_over_n():
    yhat = np.array([[0.8, 0.2], [0.4, 0.6]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(network.cross_entropy_grad(yhat, Y), [[-0.1, 0.1], [0.2, -0.2]])


def test_accuracy_is_the_fraction_of_samples_whose_argmax_is_the_label():
    yhat = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    assert network.accuracy(yhat, np.array([0, 1, 1, 0])) == 0.5


# --- activations -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(network.ACTIVATIONS))
def test_activation_derivative_matches_central_differences(name):
    g, g_grad = network.ACTIVATIONS[name]
    z = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 4.0])  # away from ReLU's kink at 0
    h = 1e-6
    numerical = (g(z + h) - g(z - h)) / (2 * h)
    np.testing.assert_allclose(g_grad(z), numerical, atol=1e-8)


def test_sigmoid_does_not_overflow_for_large_negative_inputs():
    with np.errstate(over="raise", invalid="raise"):
        s = network.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def test_relu_derivative_at_zero_is_zero_as_in_the_sheet():
    assert network.relu_grad(np.array([0.0]))[0] == 0


def test_an_unknown_activation_is_a_clear_error_listing_the_names():
    X = np.zeros((1, 2))
    params = network.init_params([2, 3, 2], "he", np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'.*relu, sigmoid, tanh"):
        network.forward(X, params, "softplus")


# --- initialisers ----------------------------------------------------------------

FAN_IN, FAN_OUT = 400, 600  # 240 000 draws; unequal fans tell he from xavier
N_DRAWS = FAN_IN * FAN_OUT

EXPECTED_STD = {
    "he": math.sqrt(2 / FAN_IN),
    "xavier": math.sqrt(2 / (FAN_IN + FAN_OUT)),  # Glorot normal
    "normal": 0.01,
}


@pytest.mark.parametrize("init", sorted(EXPECTED_STD))
def test_initialiser_draws_a_normal_with_mean_zero_and_the_schemes_std(init):
    params = network.init_params([FAN_IN, FAN_OUT], init, np.random.RandomState(1))
    W = params["W1"]
    std = EXPECTED_STD[init]
    assert W.shape == (FAN_IN, FAN_OUT)
    # Five standard errors: the mean's is std/√n, the sample std's about std/√(2n).
    assert abs(W.mean()) < 5 * std / math.sqrt(N_DRAWS)
    assert W.std() == pytest.approx(std, rel=5 / math.sqrt(2 * N_DRAWS))
    # Normal, not uniform: 68.3 % of draws within one std (a uniform gives 57.7 %).
    within = np.mean(np.abs(W) < std)
    assert within == pytest.approx(0.6827, abs=5 * math.sqrt(0.6827 * 0.3173 / N_DRAWS))


def test_zeros_initialiser_gives_all_zero_weights_and_draws_nothing():
    rng = np.random.RandomState(7)
    params = network.init_params([FAN_IN, 30, 2], "zeros", rng)
    assert not np.any(params["W1"]) and not np.any(params["W2"])
    assert rng.randn() == np.random.RandomState(7).randn()  # stream untouched


@pytest.mark.parametrize("init", sorted(network.INITIALISERS))
def test_biases_start_at_zero_with_shape_one_by_fan_out(init):
    params = network.init_params([2, 8, 5, 2], init, np.random.RandomState(3))
    for l, width in enumerate([8, 5, 2], start=1):
        assert params[f"b{l}"].shape == (1, width)
        assert not np.any(params[f"b{l}"])


def test_weights_are_drawn_in_the_order_of_the_sheets_seeded_notebook():
    # The sheet: np.random.seed(42), then one randn per weight matrix W1, W2, W3
    # (biases draw nothing).  RandomState(42) replays that stream exactly.
    params = network.init_params([2, 8, 8, 2], "he", np.random.RandomState(42))
    replay = np.random.RandomState(42)
    expected = {
        "W1": replay.randn(2, 8) * np.sqrt(2.0 / 2),
        "W2": replay.randn(8, 8) * np.sqrt(2.0 / 8),
        "W3": replay.randn(8, 2) * np.sqrt(2.0 / 8),
    }
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for key, W in expected.items():
        np.testing.assert_array_equal(params[key], W)


def test_init_params_does_not_touch_the_global_rng():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    network.init_params([2, 8, 8, 2], "he", np.random.RandomState(42))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_an_unknown_initialiser_is_a_clear_error_listing_the_names():
    with pytest.raises(ValueError, match=r"unknown initialiser 'lecun'.*he, xavier, normal, zeros"):
        network.init_params([2, 2], "lecun", np.random.RandomState(0))


# --- stacks of networks ----------------------------------------------------------


def test_stack_and_unstack_round_trip_and_depth_counts_layers():
    many = [network.init_params([2, 4, 3, 2], "he", np.random.RandomState(s)) for s in range(3)]
    stacked = network.stack_params(many)
    assert stacked["W2"].shape == (3, 4, 3)
    assert network.depth(stacked) == 3
    for k, params in enumerate(many):
        back = network.unstack_params(stacked, k)
        for key in params:
            np.testing.assert_array_equal(back[key], params[key])


def test_forward_of_a_stack_equals_forward_of_each_network():
    X = np.random.RandomState(5).rand(6, 2)
    many = [network.init_params([2, 4, 2], "he", np.random.RandomState(s)) for s in range(3)]
    yhat_stack, _, _ = network.forward(X, network.stack_params(many))
    for k, params in enumerate(many):
        np.testing.assert_allclose(yhat_stack[k], network.forward(X, params)[0], rtol=1e-14)
