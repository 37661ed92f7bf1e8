"""What the exp6 record says about many networks, each statement checked.

A claim is {"id", "statement": a sentence the record prints, "measured":
what was measured, as {"pattern": words with a {} per number, "values":
[[value, kind], ...]} (the report formats the numbers in its one style),
"holds": True, False, or None when the data cannot decide it}.

The record says what its runs show, so a claim that can go either way comes
with its negation, and the record states whichever the runs support: a
statement and its test are written side by side here, and the test reads the
per-network arrays rather than the summaries the wording came from.  A claim
without a negation (the gradient check) that fails is printed as failing,
and fails ``labreport build --strict``.  Every statement is scoped to what
was tried ("of the 32 seeds tried").  Thresholds are the claim's own
constants, written once here; the definitions (solved, dead, leaving the
plateau) are lab.exp6.study_plan's.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6.experiment import GRADIENT_TOLERANCE
from lab.exp6.study_plan import SHEET, hidden_width
from lab.studies import variant, variant_index

RELIABLE = 0.9          # "learns XOR reliably": at least this fraction of seeds
SHEET_LOSS = (1e-5, 1e-3)  # "≈ 10⁻⁴": within a decade either side
SHEET_RATES = (0.05, 0.1, 0.2)
LN2_GAP = 1e-3          # "ends at ln 2": within this of it
SAME_RUN = 1e-9         # relative difference of two computations of one run's loss
INIT_NAMES = {"he": "He", "xavier": "Xavier", "normal": "small random (std 0.01)",
              "zeros": "zero"}


def _claim(id, holds, statement, negation, pattern, *values):
    """The claim the runs support: ``statement`` if ``holds`` (or cannot be
    decided), else its ``negation`` (which then holds), or, with no
    negation, ``statement`` marked as failing."""
    holds = None if holds is None else bool(holds)  # numpy's bools are not False
    negated = holds is False and negation is not None
    if negated:
        statement, holds = negation, True
    return {"id": id, "statement": statement, "holds": None if holds is None else bool(holds),
            "negated": negated,
            "measured": {"pattern": pattern, "values": [list(v) for v in values]}}


def _solved(study, i):
    """Per seed, whether setting ``i`` solved XOR (lab.exp6.study_plan's definition)."""
    return np.asarray(study["solved"][i], dtype=bool)


def _g(x):
    return f"{x:g}"


# --- this network, over many seeds ---------------------------------------------------


def reliable(studies):
    """Left out from zero weights, which draw no random numbers: every seed
    is the same run."""
    if studies["centre"]["init"] == "zeros":
        return None
    study = studies["reliability"]
    solved = _solved(study, 0)
    n = len(solved)
    share = f"{RELIABLE * 100:.0f}\u00a0%"
    return _claim("reliable", solved.sum() >= RELIABLE * n,
                  f"This network solves XOR on at least {share} of the {n} seeds tried.",
                  f"This network solves XOR on fewer than {share} of the {n} seeds tried.",
                  "{} of {} ({})", (int(solved.sum()), "count"), (n, "count"),
                  (float(solved.mean()), "percent"))


def run_is_the_studys(studies, result):
    """This run and the reliability study's run of its seed are one network
    trained twice (the program, and the batched engine): they agree."""
    study = studies["reliability"]
    seed = result["config"]["seed"]
    seeds = [int(s) for s in study["seeds"]]
    if seed not in seeds or result["config"]["init"] == "zeros":
        return None
    i = seeds.index(seed)
    theirs, ours = float(study["final_loss"][0][i]), float(result["final_loss"])
    same = (math.isclose(theirs, ours, rel_tol=SAME_RUN, abs_tol=1e-300)
            or not (math.isfinite(theirs) or math.isfinite(ours)))
    return _claim("run_in_study", same,
                  f"This run is the reliability study's run of seed {seed}: both end at "
                  "the same loss.", None,
                  "final loss {} here, {} in the study", (ours, "number"), (theirs, "number"))


def loss_near_sheet(studies):
    study = studies["reliability"]
    solved = study["final_loss"][0][_solved(study, 0)]
    lo, hi = SHEET_LOSS
    near = int(np.sum((solved >= lo) & (solved <= hi)))
    return _claim("loss_near_sheet", 2 * near > len(solved) if len(solved) else None,
                  "Most seeds tried that solve XOR end within a factor of 10 of the sheet's "
                  "final loss, 10⁻⁴.",
                  "Fewer than half the seeds tried that solve XOR end within a factor of 10 "
                  "of the sheet's final loss, 10⁻⁴.",
                  "{} of the {} that solve", (near, "count"), (len(solved), "count"))


def loss_mostly_falls(studies):
    study = studies["reliability"]
    rising, epochs = study["rising_epochs"][0], study["epochs"]
    median = int(np.sort(rising)[(len(rising) - 1) // 2])
    return _claim("loss_mostly_falls", median < 0.01 * epochs,
                  "For the median seed tried, the loss falls on at least 99 % of epochs.",
                  "For the median seed tried, the loss rises on more than 1 % of epochs.",
                  "rises on {} of {} epochs", (median, "count"), (epochs, "count"))


# --- learning rate -------------------------------------------------------------------


def rate_block(study, fraction, around):
    """(lo, hi): the widest run of consecutive rates tried at each of which
    more than ``fraction`` of the seeds solve XOR (all of them, for
    fraction=None), preferring the run that holds ``around``; None if no
    rate qualifies."""
    rates = [v["lr"] for v in study["variants"]]
    good = [(_solved(study, i).all() if fraction is None
             else _solved(study, i).mean() > fraction) for i in range(len(rates))]
    runs, start = [], None
    for i, ok in enumerate(good + [False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append((start, i - 1))
            start = None
    if not runs:
        return None
    holding = [r for r in runs if rates[r[0]] <= around <= rates[r[1]]]
    lo, hi = max(holding or runs, key=lambda r: r[1] - r[0])
    return rates[lo], rates[hi]


def _block_holds(study, block, test):
    lo, hi = block
    return all(test(_solved(study, i)) for i, v in enumerate(study["variants"])
               if lo <= v["lr"] <= hi)


def every_seed_rates(studies):
    study = studies["learning_rate"]
    seeds = len(study["seeds"])
    block = rate_block(study, None, studies["centre"]["lr"])
    if block is None:
        solved = max(int(_solved(study, i).sum()) for i in range(len(study["variants"])))
        return _claim("lr_every", solved < seeds,
                      f"At no learning rate tried does every one of the {seeds} seeds tried "
                      "solve XOR.", None, "at most {} of {} at any rate",
                      (solved, "count"), (seeds, "count"))
    lo, hi = block
    span = f"at η = {_g(lo)}" if lo == hi else f"at each learning rate from {_g(lo)} to {_g(hi)}"
    return _claim("lr_every", _block_holds(study, block, np.all),
                  f"Every one of the {seeds} seeds tried solves XOR {span}.", None,
                  "{} of {} rates tried", (sum(lo <= v["lr"] <= hi for v in study["variants"]),
                                           "count"), (len(study["variants"]), "count"))


def most_seeds_rates(studies):
    """Most seeds solve XOR over a run of rates; left out where that run is
    the one on which every seed does (the record would say it twice)."""
    study = studies["learning_rate"]
    block = rate_block(study, 0.5, studies["centre"]["lr"])
    if block is not None and block == rate_block(study, None, studies["centre"]["lr"]):
        return None
    if block is None:
        return _claim("lr_most", not any(_solved(study, i).mean() > 0.5
                                         for i in range(len(study["variants"]))),
                      "At no learning rate tried do most seeds tried solve XOR.", None,
                      "{} rates tried", (len(study["variants"]), "count"))
    lo, hi = block
    span = f"at η = {_g(lo)}" if lo == hi else f"at each learning rate from {_g(lo)} to {_g(hi)}"
    return _claim("lr_most", _block_holds(study, block, lambda s: s.mean() > 0.5),
                  f"Most seeds tried solve XOR {span}.", None,
                  "{} of {} rates tried", (sum(lo <= v["lr"] <= hi for v in study["variants"]),
                                           "count"), (len(study["variants"]), "count"))


def sheet_rates_work(studies):
    study = studies["learning_rate"]
    rows = [variant_index(study, lr=lr) for lr in SHEET_RATES]
    counts = [int(_solved(study, i).sum()) for i in rows]
    seeds = len(study["seeds"])
    return _claim("sheet_rates_work", all(2 * c > seeds for c in counts),
                  "The sheet's learning rates 0.05, 0.1 and 0.2 each solve XOR on most seeds "
                  "tried.",
                  "Not every one of the sheet's learning rates 0.05, 0.1 and 0.2 solves XOR "
                  "on most seeds tried.",
                  "{}, {} and {} of {}", *((c, "count") for c in counts), (seeds, "count"))


def _median_epoch(study, i):
    """The lower median of the epochs to solve over the seeds that did, or None."""
    epochs = np.sort(study["epochs_to_full"][i][_solved(study, i)])
    return int(epochs[(len(epochs) - 1) // 2]) if len(epochs) else None


def small_rate_slow(studies):
    study = studies["learning_rate"]
    centre = studies["centre"]["lr"]
    small = min(range(len(study["variants"])), key=lambda i: study["variants"][i]["lr"])
    lr = study["variants"][small]["lr"]
    if lr == centre:
        return None
    slow, fast = _median_epoch(study, small), _median_epoch(study, variant_index(study, lr=centre))
    holds = None if fast is None else (slow is None or slow > fast)
    return _claim("small_rate_slow", holds,
                  f"At the smallest rate tried, {_g(lr)}, the median seed tried solves XOR later "
                  f"than at {_g(centre)}, or never.",
                  f"At the smallest rate tried, {_g(lr)}, the median seed tried solves XOR no "
                  f"later than at {_g(centre)}.",
                  "median epoch {} against {}", (slow, "epoch"), (fast, "epoch"))


def large_rate_fails(studies):
    study = studies["learning_rate"]
    i = int(np.argmax([v["lr"] for v in study["variants"]]))
    failed = ~_solved(study, i)
    lr = study["variants"][i]["lr"]
    return _claim("large_rate_fails", np.mean(failed) > 0.5,
                  f"At the largest rate tried, {_g(lr)}, most seeds tried fail to solve XOR.",
                  f"At the largest rate tried, {_g(lr)}, most seeds tried still solve XOR.",
                  "{} of {} fail", (int(failed.sum()), "count"), (len(failed), "count"))


# --- depth -------------------------------------------------------------------------------


def linear_cannot_solve(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    solved = _solved(study, i)
    return _claim("linear_cannot_solve", not solved.any(),
                  f"No network without a hidden layer solves XOR, on any of the {len(solved)} "
                  "seeds tried.", None,
                  "best accuracy {}", (float(np.max(study["final_accuracy"][i])), "percent"))


def linear_at_ln_2(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    gap = float(np.max(np.abs(study["final_loss"][i] - math.log(2))))
    return _claim("linear_at_ln_2", gap < LN2_GAP,
                  "Every network without a hidden layer ends at loss ln 2, the loss of "
                  "guessing ½.",
                  "Not every network without a hidden layer ends at loss ln 2.",
                  "largest distance from ln 2: {}", (gap, "number"))


def one_hidden_suffices(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=1)
    solved = _solved(study, i)
    width = hidden_width(studies["centre"])
    return _claim("one_hidden_suffices", solved.any(),
                  f"One hidden layer of {width} units solves XOR on some of the seeds tried.",
                  f"One hidden layer of {width} units solves XOR on none of the seeds tried.",
                  "{} of {}", (int(solved.sum()), "count"), (len(solved), "count"))


def deep_trains(studies):
    study = studies["depth"]
    i = int(np.argmax([v["hidden_layers"] for v in study["variants"]]))
    v = study["variants"][i]
    solved = _solved(study, i)
    init = INIT_NAMES[v["init"]]
    where = f"{v['hidden_layers']} hidden layers of {hidden_width(studies['centre'])} units"
    return _claim("deep_trains", solved.mean() > 0.5,
                  f"With {init} weights, {where} still solve XOR on most seeds tried.",
                  f"With {init} weights, {where} solve XOR on fewer than half the seeds tried.",
                  "{} of {}", (int(solved.sum()), "count"), (len(solved), "count"))


# --- initialisation ----------------------------------------------------------------------


def zeros_symmetric(studies):
    study = studies["initialisation"]
    i = variant_index(study, init="zeros")
    gap = float(np.max(study["symmetry_gap"][i]))
    if not math.isfinite(gap):  # no hidden layer: no units to be alike
        return None
    return _claim("zeros_symmetric", gap == 0.0,
                  "From zero weights, every hidden unit stays identical to the others.",
                  "From zero weights, the hidden units do not all stay identical.",
                  "largest difference between units: {}", (gap, "number"))


def zeros_cannot_learn(studies):
    study = studies["initialisation"]
    i = variant_index(study, init="zeros")
    return _claim("zeros_cannot_learn", not _solved(study, i).any(),
                  "From zero weights, the network does not solve XOR.",
                  "From zero weights, the network solves XOR.",
                  "final accuracy {}", (float(np.max(study["final_accuracy"][i])), "percent"))


def _median_below(study, i):
    """The lower median over all seeds of the epoch the loss first went 10 %
    below ln 2; None when most seeds never did."""
    epochs = study["epochs_below"][i]
    ordered = np.sort(np.where(epochs > 0, epochs, np.iinfo(np.int64).max))
    median = ordered[(len(ordered) - 1) // 2]
    return None if median == np.iinfo(np.int64).max else int(median)


def he_leaves_plateau_sooner(studies):
    study = studies["initialisation"]
    he, normal = (variant_index(study, init=k) for k in ("he", "normal"))
    a, b = _median_below(study, he), _median_below(study, normal)
    holds = None if a is None and b is None else (a is not None and (b is None or a < b))
    return _claim("he_leaves_sooner", holds,
                  "From He weights, the median seed tried leaves the ln 2 plateau sooner than "
                  "from small random weights (std 0.01).",
                  "From He weights, the median seed tried leaves the ln 2 plateau no sooner "
                  "than from small random weights (std 0.01).",
                  "epoch {} against {}", (a, "epoch"), (b, "epoch"))


def he_beats_small_random(studies):
    study = studies["initialisation"]
    he, normal = (_solved(study, variant_index(study, init=k)) for k in ("he", "normal"))
    return _claim("he_beats_small_random", he.sum() >= normal.sum(),
                  "He weights solve XOR on at least as many seeds tried as small random "
                  "weights (std 0.01).",
                  "He weights solve XOR on fewer seeds tried than small random weights "
                  "(std 0.01).",
                  "{} against {} of {}", (int(he.sum()), "count"), (int(normal.sum()), "count"),
                  (len(he), "count"))


# --- activation --------------------------------------------------------------------------


def relu_faster_than_sigmoid(studies):
    if len(studies["centre"]["layers"]) == 2:  # no hidden layer, no activation
        return None
    study = studies["activation"]
    relu = _median_epoch(study, variant_index(study, activation="relu"))
    sigmoid = _median_epoch(study, variant_index(study, activation="sigmoid"))
    holds = None if relu is None and sigmoid is None else \
        relu is not None and (sigmoid is None or relu < sigmoid)
    return _claim("relu_faster_than_sigmoid", holds,
                  "With ReLU hidden layers the median seed tried solves XOR sooner than with "
                  "sigmoid ones.",
                  "With ReLU hidden layers the median seed tried solves XOR no sooner than "
                  "with sigmoid ones.",
                  "median epoch {} against {}", (relu, "epoch"), (sigmoid, "epoch"))


# In the order the record says them.
STUDY_CLAIMS = (reliable, loss_mostly_falls, every_seed_rates, most_seeds_rates,
                sheet_rates_work, small_rate_slow, large_rate_fails, zeros_cannot_learn,
                zeros_symmetric, he_leaves_plateau_sooner, he_beats_small_random,
                linear_cannot_solve, linear_at_ln_2, one_hidden_suffices, deep_trains,
                relu_faster_than_sigmoid)


def is_sheet_centre(centre):
    return tuple(centre["layers"]) == tuple(SHEET["layers"]) and all(
        centre[k] == SHEET[k] for k in ("init", "activation", "lr"))


def claims(studies, result=None):
    """The statements the record makes from the studies, each checked; a
    claim that does not apply to the network built is left out, and with
    ``result``, the main run, so is whether it is the study's run of its seed."""
    found = [check(studies) for check in STUDY_CLAIMS]
    found.insert(1, run_is_the_studys(studies, result) if result is not None else None)
    if is_sheet_centre(studies["centre"]):
        found.insert(3, loss_near_sheet(studies))
    return [claim for claim in found if claim is not None]


def gradient_claim(rows):
    """Back-propagation agrees with central differences: judged only on the
    arrays whose gradients are large enough; undecided (None) with none.
    No negation: code that fails it is wrong, and the build says so."""
    judged = [row for row in rows if row["judged"]]
    largest = max((row["relative_error"] for row in judged), default=None)
    holds = None if not judged else largest < GRADIENT_TOLERANCE
    statement = ("Back-propagation computes the gradient that central differences measure "
                 "(relative error below 10⁻⁶).")
    if not judged:
        return _claim("gradient_check", None, statement, None,
                      "none of the {} arrays could be judged", (len(rows), "count"))
    return _claim("gradient_check", holds, statement, None,
                  "largest relative error {}, on {} of {} arrays",
                  (largest, "number"), (len(judged), "count"), (len(rows), "count"))
