"""Full-batch gradient descent: what it learns, what it cannot, when it stops."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lab.exp6.data import xor
from lab.mlp_engine import network
from lab.mlp_engine.train import first_epoch_reaching, train

# The loss is a mean over samples, so the 4 XOR points once train exactly like
# the sheet's 500 tiled copies, in a fraction of the time.
X, Y, y = xor(1)


def sheet_params(layers=(2, 8, 8, 2), init="he", seed=42):
    return network.init_params(list(layers), init, np.random.RandomState(seed))


# --- what gradient descent learns --------------------------------------------------


def test_the_sheets_network_learns_xor_and_the_loss_keeps_falling():
    history = train(X, Y, y, sheet_params(), lr=0.1, epochs=2000)
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < 0.002
    assert np.all(np.diff(history.loss) <= 1e-12)  # full-batch GD with a small step


def test_a_network_without_a_hidden_layer_stays_at_ln_2_on_xor():
    # A linear model gives both classes the same mean logit on XOR, so by
    # convexity its loss can never go below ln 2: it cannot solve XOR.
    history = train(X, Y, y, sheet_params(layers=(2, 2)), lr=0.1, epochs=3000)
    assert np.all(history.loss >= math.log(2) - 1e-12)
    assert history.loss[-1] == pytest.approx(math.log(2), abs=1e-3)
    assert np.all(history.accuracy <= 0.75)


ONE_SIDED = (X[:3], Y[:3], y[:3])  # 1 × class 0, 2 × class 1


@pytest.mark.parametrize("data", [(X, Y, y), ONE_SIDED], ids=["xor", "three-corners"])
@pytest.mark.parametrize("activation", sorted(network.ACTIVATIONS))
def test_zeros_initialisation_never_breaks_the_symmetry_between_hidden_units(
        activation, data):
    # On the three corners with sigmoid the weights do move, and still every
    # hidden unit of a layer stays a copy of the others.
    params = sheet_params(init="zeros")
    train(*data, params, lr=0.5, epochs=1000, activation=activation)
    for l in (1, 2):  # the hidden layers of 2-8-8-2
        W, b = params[f"W{l}"], params[f"b{l}"]
        np.testing.assert_allclose(W, W[:, :1] * np.ones_like(W), rtol=0, atol=1e-14)
        np.testing.assert_allclose(b, b[0, 0], rtol=0, atol=1e-14)
    W3 = params["W3"]  # outgoing weights too: each hidden unit's row is the same
    np.testing.assert_allclose(W3, W3[:1, :] * np.ones_like(W3), rtol=0, atol=1e-14)


def test_he_initialisation_does_break_the_symmetry():
    params = sheet_params()
    train(X, Y, y, params, lr=0.1, epochs=10)
    assert np.ptp(params["W1"], axis=1).min() > 1e-3


# --- a stack of networks ------------------------------------------------------------

SEEDS = [0, 1, 2, 3]
LRS = [0.05, 0.1, 0.2, 0.5]


def test_a_stack_of_networks_trains_exactly_like_each_network_alone():
    Xr, Yr, yr = xor(50)
    alone = []
    for seed, lr in zip(SEEDS, LRS):
        params = sheet_params(seed=seed)
        alone.append((train(Xr, Yr, yr, params, lr=lr, epochs=300), params))

    stacked = network.stack_params([sheet_params(seed=s) for s in SEEDS])
    together = train(Xr, Yr, yr, stacked, lr=np.array(LRS).reshape(-1, 1, 1), epochs=300)

    assert together.loss.shape == (300, len(SEEDS))
    for k, (history, params) in enumerate(alone):
        np.testing.assert_allclose(together.loss[:, k], history.loss, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(together.accuracy[:, k], history.accuracy)
        for key, value in network.unstack_params(stacked, k).items():
            np.testing.assert_allclose(value, params[key], rtol=0, atol=1e-12)


def test_in_a_stack_one_network_diverging_does_not_stop_the_others():
    stacked = network.stack_params([sheet_params(), sheet_params()])
    history = train(X, Y, y, stacked, lr=np.array([0.1, 50.0]).reshape(-1, 1, 1),
                    epochs=200)
    assert history.stopped_at == 200
    assert history.diverged_at[0] == 0
    assert 1 < history.diverged_at[1] < 200
    assert history.accuracy[-1, 0] == 1.0


# --- divergence ---------------------------------------------------------------------


def test_a_too_large_learning_rate_diverges_and_ends_training_early():
    history = train(X, Y, y, sheet_params(), lr=50.0, epochs=5000)
    assert 1 < history.diverged_at < 5000
    assert history.stopped_at == history.diverged_at
    assert history.stop_reason == f"diverged at epoch {history.diverged_at}"
    assert history.loss[-1] > 10 * history.loss[0]
    assert len(history.loss) == history.stopped_at


def test_a_nan_loss_from_overflowing_logits_counts_as_divergence():
    # 1e308 + 1e308 overflows to inf at the input (1, 1); softmax then meets inf − inf.
    params = {"W1": np.array([[1e308, 0.0], [1e308, 0.0]]), "b1": np.zeros((1, 2))}
    history = train(X, Y, y, params, lr=0.1, epochs=100)
    assert np.isnan(history.loss[0])
    assert history.diverged_at == 1
    assert history.stop_reason == "diverged at epoch 1"


def test_inf_in_the_parameters_counts_as_divergence():
    params = sheet_params(layers=(2, 8, 2))
    params["W1"][0, 0] = np.inf
    history = train(X, Y, y, params, lr=0.1, epochs=100)
    assert not np.isfinite(history.loss[0])
    assert history.diverged_at == 1 and history.stopped_at == 1


def test_a_nan_loss_after_a_finite_first_epoch_counts_as_divergence():
    # A step of 1e300 turns the weights into inf after the first update.
    history = train(X, Y, y, sheet_params(layers=(2, 8, 2)), lr=1e300, epochs=100)
    assert np.isfinite(history.loss[0])
    assert not np.isfinite(history.loss[1])
    assert history.diverged_at == 2 and history.stopped_at == 2


# --- the stopping rule (sheet, step 7) ---------------------------------------------


def test_training_runs_every_epoch_when_no_stopping_rule_is_set():
    history = train(X, Y, y, sheet_params(), lr=0.1, epochs=5000)
    assert history.stopped_at == 5000
    assert history.loss.shape == history.accuracy.shape == (5000,)
    assert history.stop_reason == "completed all epochs"
    assert history.loss[-1] < 0.01 and history.accuracy[-1] == 1.0  # rules would have fired


def test_loss_tol_stops_at_the_first_epoch_whose_loss_is_below_it():
    history = train(X, Y, y, sheet_params(), lr=0.1, epochs=5000, loss_tol=0.01)
    assert history.stopped_at < 5000
    assert history.loss[-1] < 0.01
    assert np.all(history.loss[:-1] >= 0.01)
    assert history.stop_reason == f"stopping rule met at epoch {history.stopped_at}"


def test_acc_target_stops_at_the_first_epoch_reaching_it():
    history = train(X, Y, y, sheet_params(), lr=0.1, epochs=5000, acc_target=1.0)
    assert history.stopped_at < 5000
    assert history.accuracy[-1] == 1.0
    assert np.all(history.accuracy[:-1] < 1.0)
    assert history.stop_reason == f"stopping rule met at epoch {history.stopped_at}"


def test_the_epoch_that_meets_the_rule_makes_its_update_and_is_the_last():
    # As the program does: the loss logged is the forward pass's, before the
    # epoch's update; the update is made; then training stops.
    params, again = sheet_params(), sheet_params()
    history = train(X, Y, y, params, lr=0.1, epochs=5000, loss_tol=0.01)
    train(X, Y, y, again, lr=0.1, epochs=history.stopped_at)
    for key in params:
        np.testing.assert_array_equal(params[key], again[key])


def test_progress_is_reported_every_250_epochs():
    calls = []
    train(X, Y, y, sheet_params(), lr=0.1, epochs=1000,
          progress=lambda epoch, loss: calls.append(epoch))
    assert calls == [250, 500, 750, 1000]


def test_the_log_records_the_loss_before_each_epochs_update():
    params = sheet_params()
    _, log_yhat, _ = network.forward(X, params)
    history = train(X, Y, y, params, lr=0.1, epochs=3)
    assert history.loss[0] == network.cross_entropy(log_yhat, Y)


def test_first_epoch_reaching_full_accuracy_per_network():
    accuracy_log = np.array([[0.5, 0.75, 0.5],
                             [1.0, 0.75, 0.5],
                             [1.0, 1.0, 0.75]])
    np.testing.assert_array_equal(first_epoch_reaching(accuracy_log), [2, 3, 0])
    np.testing.assert_array_equal(first_epoch_reaching(accuracy_log, 0.75), [2, 1, 3])


# --- the engine the studies use reproduces the program the report lists ---------------

@pytest.mark.parametrize("layers, init, activation, lr", [
    ((2, 8, 8, 2), "he", "relu", 0.1), ((2, 8, 8, 2), "xavier", "tanh", 0.5),
    ((2, 4, 2), "normal", "sigmoid", 1.0), ((2, 8, 8, 2), "zeros", "relu", 0.1),
    ((2, 8, 8, 2), "he", "relu", 10.0)])
def test_the_batched_engine_reproduces_the_programs_loss_history(layers, init, activation,
                                                                  lr):
    from lab.exp6 import program

    Xp, Yp, yp = program.xor_data(500)
    alone = program.init_params(list(layers), init, np.random.RandomState(42))
    with np.errstate(all="ignore"):
        loss, accuracy = program.train(Xp, Yp, yp, alone, lr, 2000, activation, 500,
                                       log=lambda line: None)
    stacked = network.stack_params([network.init_params(list(layers), init,
                                                np.random.RandomState(42))] * 3)
    history = train(X, Y, y, stacked, lr=np.full((3, 1, 1), lr), epochs=2000,
                    activation=activation)
    assert history.loss.shape == (len(loss), 3)
    np.testing.assert_allclose(history.loss, np.repeat(loss[:, None], 3, axis=1),
                               rtol=1e-12, atol=0)
    np.testing.assert_array_equal(history.accuracy[:, 0], accuracy)


# --- the engine takes the network module's steps ------------------------------------


def network_steps(X, Y, y, params, lr, epochs, activation):
    """Gradient descent written with the network module's functions, one per
    step: the maths that train's engine lays out for speed.  (loss, accuracy) per epoch."""
    losses, accuracies = [], []
    for _ in range(epochs):
        yhat, log_yhat, cache = network.forward(X, params, activation)
        losses.append(network.cross_entropy(log_yhat, Y))
        accuracies.append(network.accuracy(yhat, y))
        network.update(params, network.backward(yhat, Y, cache, params, activation), lr)
    return np.array(losses), np.array(accuracies)


def assert_same_training(X, Y, y, many, lrs, epochs, activation):
    # Only the order of the terms of some sums differs: rounding.  Learning
    # rates near the edge of stability amplify it (1e-15 to 1e-8 in a hundred
    # epochs, for either trainer and a nudge of 1e-15), so these are moderate.
    stacked = network.stack_params(many)
    reference = {key: value.copy() for key, value in stacked.items()}
    lr = np.array(lrs).reshape(-1, 1, 1)
    with np.errstate(all="ignore"):
        loss, accuracy = network_steps(X, Y, y, reference, lr, epochs, activation)
    history = train(X, Y, y, stacked, lr=lr, epochs=epochs, activation=activation)
    np.testing.assert_allclose(history.loss, loss, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(history.accuracy, accuracy)
    for key in stacked:
        np.testing.assert_allclose(stacked[key], reference[key], rtol=0, atol=1e-12)


@pytest.mark.parametrize("hidden_layers", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("activation", sorted(network.ACTIVATIONS))
def test_the_engine_takes_the_network_modules_steps(activation, hidden_layers):
    layers = [2] + [8] * hidden_layers + [2]
    inits = ["he", "xavier", "normal", "zeros", "he"]
    many = [network.init_params(layers, init, np.random.RandomState(seed))
            for seed, init in enumerate(inits)]
    assert_same_training(X, Y, y, many, [0.05, 0.1, 0.2, 0.3, 0.5], 300, activation)


def test_the_engine_takes_the_network_modules_steps_with_three_classes():
    # Argmax over three classes, ties (zero initialisation) going to the first.
    rng = np.random.RandomState(0)
    X3, y3 = rng.randn(12, 2), np.tile([0, 1, 2], 4)
    many = [network.init_params([2, 6, 5, 3], init, np.random.RandomState(seed))
            for seed, init in enumerate(["he", "zeros", "xavier"])]
    assert_same_training(X3, np.eye(3)[y3], y3, many, [0.1, 0.2, 0.3], 200, "tanh")


def test_a_grid_of_networks_trains_like_a_stack():
    many = [sheet_params(seed=s) for s in range(6)]
    grid = {key: value.reshape((2, 3) + value.shape[1:])
            for key, value in network.stack_params(many).items()}
    stacked = network.stack_params(many)
    lrs = np.linspace(0.05, 0.5, 6)
    in_grid = train(X, Y, y, grid, lr=lrs.reshape(2, 3, 1, 1), epochs=100)
    in_stack = train(X, Y, y, stacked, lr=lrs.reshape(6, 1, 1), epochs=100)
    assert in_grid.loss.shape == in_grid.accuracy.shape == (100, 2, 3)
    assert in_grid.diverged_at.shape == (2, 3)
    np.testing.assert_array_equal(in_grid.loss.reshape(100, 6), in_stack.loss)
    for key in stacked:
        np.testing.assert_array_equal(grid[key].reshape(stacked[key].shape), stacked[key])


def test_a_diverged_network_in_a_stack_keeps_the_parameters_it_diverged_with():
    # Alone, training ends after the diverging epoch's update; in a stack the
    # network is frozen there and its loss, from then on, is that of those parameters.
    alone = sheet_params()
    stopped = train(X, Y, y, alone, lr=50.0, epochs=200).stopped_at
    stacked = network.stack_params([sheet_params(), sheet_params()])
    history = train(X, Y, y, stacked, lr=np.array([0.1, 50.0]).reshape(-1, 1, 1), epochs=200)
    assert history.diverged_at[1] == stopped
    for key, value in network.unstack_params(stacked, 1).items():
        np.testing.assert_allclose(value, alone[key], rtol=0, atol=1e-12)
    _, log_yhat, _ = network.forward(X, alone)
    np.testing.assert_allclose(history.loss[stopped:, 1], network.cross_entropy(log_yhat, Y),
                               rtol=1e-12)


def test_minus_infinity_on_a_class_the_label_does_not_name_makes_the_loss_nan():
    # As the program's −Σ Y·log ŷ does: 0 · (−inf) is nan, so the run diverged.
    # The logits (1e308, −1e308) of the point (1, 1) give log ŷ = (0, −inf).
    X2, y2 = np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0, 1])
    params = {"W1": np.array([[1e308, -1e308], [0.0, 0.0]]), "b1": np.zeros((1, 2))}
    with np.errstate(all="ignore"):
        _, log_yhat, _ = network.forward(X2, params)
        assert np.isnan(network.cross_entropy(log_yhat, np.eye(2)[y2]))
    history = train(X2, np.eye(2)[y2], y2, params, lr=0.1, epochs=10)
    assert np.isnan(history.loss[0]) and history.diverged_at == 1
