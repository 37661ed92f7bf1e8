"""The studies: many networks trained as one, the same numbers however they are
scheduled, and claims that follow the data rather than the sheet."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from lab.mlp_engine import network, studies
from lab.config import ConfigError
from lab.exp6 import study_plan as exp6_studies
from lab.exp6.data import xor
from lab.exp6.claims import claims
from lab.exp6.study_plan import LEARNING_RATES, StudiesConfig, run_studies
from lab.mlp_engine.studies import train_batch
from lab.mlp_engine.train import first_epoch_reaching, train

X, Y, y = xor(1)
SMALL = StudiesConfig(seeds=3, reliability_seeds=4, workers=1)
EPOCHS = 600


@pytest.fixture(scope="module")
def small_studies():
    """Every study with a few seeds and epochs (about a second in one process)."""
    return run_studies(SMALL, epochs=EPOCHS)


def spec(layers=(2, 8, 8, 2), activation="relu", *, inits, lrs, seeds, epochs,
         full_curves=False):
    return {"X": X.tolist(), "y": y.tolist(),
            "layers": layers, "activation": activation, "inits": inits, "lrs": lrs,
            "seeds": seeds, "epochs": epochs,
            "curve_epochs": studies.curve_epochs(epochs).tolist(), "full_curves": full_curves}


# --- a batch is many single networks -------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_network_in_a_batch_ends_where_it_would_trained_alone(activation):
    batch = spec(activation=activation, inits=["he", "xavier", "normal", "he"],
                 lrs=[0.05, 0.1, 0.2, 0.5], seeds=[0, 1, 2, 42], epochs=300,
                 full_curves=True)
    out = train_batch(batch)
    for k, (init, lr, seed) in enumerate(zip(batch["inits"], batch["lrs"], batch["seeds"])):
        alone = network.init_params([2, 8, 8, 2], init, np.random.RandomState(seed))
        history = train(X, Y, y, alone, lr=lr, epochs=300, activation=activation)
        for key, value in network.unstack_params(out["params"], k).items():
            np.testing.assert_allclose(value, alone[key], rtol=0, atol=1e-12)
        np.testing.assert_allclose(out["loss"][:, k], history.loss, rtol=0, atol=1e-12)
        assert out["epochs_to_full"][k] == first_epoch_reaching(history.accuracy)


def test_a_batch_keeps_the_loss_at_log_spaced_epochs():
    out = train_batch(spec(inits=["he"] * 2, lrs=[0.1] * 2, seeds=[0, 1], epochs=500,
                           full_curves=True))
    epochs = studies.curve_epochs(500)
    assert epochs[0] == 1 and epochs[-1] == 500 and np.all(np.diff(epochs) > 0)
    np.testing.assert_array_equal(out["loss_curve"], out["loss"][epochs - 1])


def test_results_do_not_depend_on_the_number_of_workers():
    from report.pipeline.pool import run_all

    one = run_studies(StudiesConfig(seeds=2, reliability_seeds=3, workers=1), epochs=40)
    two = run_studies(StudiesConfig(seeds=2, reliability_seeds=3, workers=2), epochs=40,
                      run_all=run_all)
    assert_same(one, two)


def assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            assert_same(u, v)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)  # bit for bit; nan equals nan
    else:
        assert a == b or (a != a and b != b)


def test_the_batches_follow_from_the_configuration_not_the_workers():
    specs, placement = exp6_studies.plan(SMALL, EPOCHS)
    more_workers = StudiesConfig(seeds=3, reliability_seeds=4, workers=7)
    assert specs == exp6_studies.plan(more_workers, EPOCHS)[0]
    assert all(len(s["seeds"]) <= studies.MAX_BATCH for s in specs)
    # The sheet's network with seeds 0-2 is in four studies besides reliability
    # (lr 0.1, he, 2 hidden layers, relu) and is trained once, with reliability's.
    named = sum(len(places) for places in placement.values())
    assert sum(len(s["seeds"]) for s in specs) == named - 4 * 3


def test_progress_counts_every_network_of_every_study():
    seen = {}
    run_studies(StudiesConfig(seeds=2, reliability_seeds=3, workers=1), epochs=5,
                progress=lambda stage, done, total, detail="": seen.update({stage: (done, total)}))
    assert seen == {"study: reliability": (3, 3), "study: learning rate": (26, 26),
                    "study: initialisation": (8, 8), "study: depth": (10, 10),
                    "study: activation": (6, 6)}


# --- what the studies measure --------------------------------------------------------


def test_zeros_initialisation_keeps_every_hidden_unit_identical(small_studies):
    zeros = studies.variant(small_studies["initialisation"], init="zeros")
    assert zeros["symmetry_gap_max"] == 0.0
    assert zeros["hidden_weights_moved"] is False  # with ReLU, z = 0 passes no gradient
    assert zeros["solved"] == 0
    he = studies.variant(small_studies["initialisation"], init="he")
    assert he["symmetry_gap_max"] > 0 and he["hidden_weights_moved"]


def test_a_linear_model_stays_at_ln_2_and_at_most_three_quarters(small_studies):
    depth = small_studies["depth"]
    i = studies.variant_index(depth, hidden_layers=0)
    assert depth["variants"][i]["layers"] == (2, 2)
    np.testing.assert_allclose(depth["final_loss"][i], math.log(2), rtol=0, atol=1e-3)
    assert np.all(depth["final_accuracy"][i] <= 0.75)
    assert depth["variants"][i]["symmetry_gap_max"] is None  # no hidden layer


def test_the_learning_rate_grid_spans_1e_3_to_10_and_holds_the_sheets_rates(small_studies):
    rates = [v["lr"] for v in small_studies["learning_rate"]["variants"]]
    assert rates == list(LEARNING_RATES) == sorted(set(rates))
    assert len(rates) >= 12 and rates[0] == 0.001 and rates[-1] == 10.0
    assert {0.05, 0.1, 0.2} <= set(rates)
    steps = np.diff(np.log10(rates))
    assert np.all((steps > 0.25) & (steps < 0.45))  # about three rates a decade


def test_studies_have_the_documented_shapes(small_studies):
    points = len(studies.curve_epochs(EPOCHS))
    for name in exp6_studies.STAGES:
        study = small_studies[name]
        V, S = len(study["variants"]), len(study["seeds"])
        assert study["final_loss"].shape == study["epochs_to_full"].shape == (V, S)
        assert study["loss_curves"].shape == (points, V, S)
        assert study["median_curve"].shape == (points, V)
    assert list(small_studies) == ["reliability", "learning_rate", "initialisation",
                                   "depth", "activation", "centre"]
    assert small_studies["centre"] == {"layers": [2, 8, 8, 2], "init": "he",
                                       "activation": "relu", "lr": 0.1}


def test_a_network_shared_by_studies_has_the_same_numbers_in_each(small_studies):
    sheet = small_studies["reliability"]["final_loss"][0, :3]
    rates = small_studies["learning_rate"]
    np.testing.assert_array_equal(
        rates["final_loss"][studies.variant_index(rates, lr=0.1)], sheet)
    depth = small_studies["depth"]
    two_hidden = studies.variant_index(depth, hidden_layers=2)
    np.testing.assert_array_equal(depth["final_loss"][two_hidden], sheet)


def test_a_failed_seed_is_kept_in_full_as_the_example_failure():
    # After 3 epochs no network is at 100 % yet: every seed counts as failed.
    early = run_studies(StudiesConfig(seeds=1, reliability_seeds=3, workers=1), epochs=3)
    reliability = early["reliability"]
    failed = [f["seed"] for f in reliability["failures"]]
    assert failed == [s for s, a in zip(reliability["seeds"],
                                        reliability["final_accuracy"][0]) if a < 1]
    example = reliability["example_failure"]
    assert example["seed"] == failed[0] and example["loss"].shape == (3,)
    alone = network.init_params([2, 8, 8, 2], "he", np.random.RandomState(example["seed"]))
    np.testing.assert_allclose(example["loss"], train(X, Y, y, alone, lr=0.1, epochs=3).loss,
                               rtol=0, atol=1e-12)
    assert example["plateau"] is None  # three epochs in, no loss sits on a plateau yet


@pytest.mark.parametrize("loss, name", [
    (math.log(2) / 2 + 1e-5, "ln 2 / 2"), (math.log(2) - 1e-4, "ln 2"),
    ((3 * math.log(3) - 2 * math.log(2)) / 4, "(3 ln 3 − 2 ln 2) / 4"),
    (0.5, None), (1e-4, None), (float("nan"), None)])
def test_a_loss_is_on_a_plateau_only_when_it_is_close_to_one(loss, name):
    assert exp6_studies.plateau(loss) == name


def test_no_failure_means_no_example(small_studies):
    reliability = small_studies["reliability"]
    if reliability["variants"][0]["solved"] == reliability["variants"][0]["seeds"]:
        assert reliability["failures"] == [] and reliability["example_failure"] is None


def test_quartiles_rank_a_diverged_run_above_every_finite_loss():
    values = np.array([0.3, 0.1, np.nan, 0.2, np.inf])
    q1, median, q3 = studies.quartiles(values)
    assert (q1, median, q3) == (0.2, 0.3, math.inf)


def test_quartiles_and_medians_are_values_some_run_reached():
    finite = np.array([0.4, 0.1, 0.3, 0.2, 0.7, 0.5])  # sorted: .1 .2 .3 .4 .5 .7
    assert studies.quartiles(finite) == (0.2, 0.3, 0.4)  # the lower ones, never between
    assert studies.lower_median(finite) == 0.3


# --- claims follow the data ----------------------------------------------------------


def test_every_claim_is_a_sentence_with_its_measurement(small_studies):
    found = claims(small_studies)
    assert len({c["id"] for c in found}) == len(found) >= 10
    for claim in found:
        assert set(claim) == {"id", "statement", "holds", "measured", "negated"}
        assert claim["holds"] in (True, None) and claim["statement"].endswith(".")
        pattern, values = claim["measured"]["pattern"], claim["measured"]["values"]
        assert pattern.count("{}") == len(values) >= 1
        assert not any(ch.isdigit() for ch in pattern.replace("ln 2", "")), pattern


def claim(found, id):
    return next(c for c in claims(found) if c["id"] == id)


def test_a_linear_model_that_solved_xor_would_refute_the_claim(small_studies):
    assert claim(small_studies, "linear_cannot_solve")["holds"]
    assert claim(small_studies, "linear_at_ln_2")["holds"]
    flipped = copy.deepcopy(small_studies)
    depth = flipped["depth"]
    i = studies.variant_index(depth, hidden_layers=0)
    depth["final_accuracy"][i, 0], depth["final_loss"][i, 0] = 1.0, 0.01
    depth["solved"][i, 0] = True
    assert claim(flipped, "linear_cannot_solve")["holds"] is False  # no negation: it fails
    at_ln_2 = claim(flipped, "linear_at_ln_2")  # the record says the opposite instead
    assert at_ln_2["negated"] and at_ln_2["statement"].startswith("Not every one of them")


def test_broken_symmetry_under_zeros_would_refute_the_claim(small_studies):
    assert claim(small_studies, "zeros_symmetric")["holds"]
    flipped = copy.deepcopy(small_studies)
    init = flipped["initialisation"]
    init["symmetry_gap"][studies.variant_index(init, init="zeros"), 0] = 1e-9
    broken = claim(flipped, "zeros_symmetric")
    assert broken["negated"] and "do not all stay identical" in broken["statement"]


def test_reliability_is_measured_not_assumed(small_studies):
    flipped = copy.deepcopy(small_studies)
    flipped["reliability"]["solved"][0, :2] = False
    found = claim(flipped, "reliable")
    assert found["statement"] == "2 of the 4 seeds tried solve XOR, so it does not learn " \
        "XOR reliably."
    assert found["measured"]["values"] == [[2, "count"], [4, "count"], [0.5, "percent"]]
    assert found["holds"] is False  # the per-network losses say 4: a summary that lies fails


def test_fewer_epochs_can_make_the_sheets_claims_fail():
    # After 3 epochs nothing is solved: the claims say so instead of repeating the sheet.
    early = run_studies(StudiesConfig(seeds=2, reliability_seeds=2, workers=1), epochs=3)
    found = {c["id"]: c for c in claims(early)}
    assert found["reliable"]["statement"] == "None of the 2 seeds tried solves XOR."
    assert found["lr_every"]["statement"].startswith("At no learning rate tried")
    assert found["relu_faster_than_sigmoid"]["holds"] is None  # neither solves: undecided


# --- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("seeds", 0), ("seeds", -3), ("seeds", 2.5), ("seeds", True), ("seeds", "8"),
    ("reliability_seeds", 0), ("workers", 0), ("workers", None),
])
def test_studies_config_rejects_bad_values(key, value):
    with pytest.raises(ConfigError) as error:
        StudiesConfig(**{key: value})
    assert error.value.key == key


def test_studies_config_defaults():
    config = StudiesConfig()
    assert (config.seeds, config.reliability_seeds, config.workers) == (32, 128, 2)
    with pytest.raises(ConfigError):
        run_studies(config, epochs=0)
