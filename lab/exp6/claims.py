"""What the exp6 record says about many networks, each statement checked.

A claim is {"id", "statement": a sentence the record prints, "measured":
what was measured, as {"pattern": words with a {} per number, "values":
[[value, kind], ...]} (the report formats the numbers in its one style),
"holds": True, False, or None when the data cannot decide it, "negated":
whether the statement is the negation the runs called for}.

The record says what its runs show.  Most claims state counts and epochs
("30 of the 32 seeds tried solve XOR"), and their test recounts them from the
per-network arrays rather than from the summaries the wording came from; a
claim that can go either way comes with its negation, and the record states
whichever the runs support.  A claim without a negation (the gradient check)
that fails is printed as failing, and fails ``labreport build --strict``.
Every statement is scoped to what was tried.  The definitions (solved, dead,
leaving the plateau, the median seed) are lab.exp6.study_plan's.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6.experiment import GRADIENT_TOLERANCE
from lab.exp6.study_plan import SHEET, hidden_width
from lab.kit.claims import claim
from lab.mlp_engine.studies import median_epoch, variant_index

RELIABLE = 0.9          # "learns XOR reliably": at least this fraction of seeds
SHEET_FINAL_LOSS = 1.58e-4  # the sheet's printed final loss (epoch 5000: 0.000158)
SHEET_EPOCHS = 5000
FALLS = 0.99            # "the loss falls": on at least this fraction of its epochs
LN2_GAP = 1e-3          # "ends at ln 2": within this of it
SAME_RUN = 1e-9         # relative difference of two computations of one run's loss
INIT_NAMES = {"he": "He", "xavier": "Xavier", "normal": "small random (std 0.01)",
              "zeros": "zero"}
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}


def _solved(study, i):
    """Per seed, whether setting ``i`` solved XOR (lab.exp6.study_plan's definition)."""
    return np.asarray(study["solved"][i], dtype=bool)


def _recount(study, i):
    """How many seeds of setting ``i`` solved XOR, counted from the final
    losses, accuracies and divergences themselves."""
    from lab.exp6.study_plan import SOLVED_LOSS

    with np.errstate(invalid="ignore"):
        ok = ((np.asarray(study["final_accuracy"][i]) == 1.0)
              & (np.asarray(study["final_loss"][i]) < SOLVED_LOSS)
              & (np.asarray(study["diverged_at"][i]) == 0))
    return int(ok.sum())


def _g(x):
    return f"{x:g}"


def _of(count, total, what="seeds tried"):
    """"30 of the 32 seeds tried", "all 32 seeds tried", "none of the 32 ..."."""
    if count == total:
        return f"all {total} {what}"
    if count == 0:
        return f"none of the {total} {what}"
    return f"{count} of the {total} {what}"


def _list(items):
    items = [str(item) for item in items]
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


# --- this network, over many seeds ---------------------------------------------------


def reliable(studies):
    """Left out from zero weights, which draw no random numbers: every seed
    is the same run."""
    if studies["centre"]["init"] == "zeros":
        return None
    study = studies["reliability"]
    solved, n = int(_solved(study, 0).sum()), len(study["seeds"])
    counted = _of(solved, n)
    verdict = ("so it learns XOR reliably, as the sheet says" if solved >= RELIABLE * n
               else "so it does not learn XOR reliably" if solved else "")
    sentence = (f"{counted[0].upper()}{counted[1:]} solve XOR" if solved
                else f"None of the {n} seeds tried solves XOR")
    return claim("reliable", _recount(study, 0) == solved,
                  sentence + (f", {verdict}." if verdict else "."), None,
                  "{} of {} ({})", (solved, "count"), (n, "count"),
                  (solved / n, "percent"))


def run_is_the_studys(studies, result):
    """This run and the reliability study's run of its seed are one network
    trained twice (the program, and the batched engine): they agree.  Left
    out where they are not the same run (a stopping rule ends this one)."""
    study = studies["reliability"]
    config = result["config"]
    seed = config["seed"]
    seeds = [int(s) for s in study["seeds"]]
    if (seed not in seeds or config["init"] == "zeros" or config["loss_tol"] is not None
            or config["acc_target"] is not None):
        return None
    i = seeds.index(seed)
    theirs, ours = float(study["final_loss"][0][i]), float(result["final_loss"])
    same = (math.isclose(theirs, ours, rel_tol=SAME_RUN, abs_tol=1e-300)
            or not (math.isfinite(theirs) or math.isfinite(ours)))
    return claim("run_in_study", same,
                  f"This run and the reliability study's run of seed {seed}, trained by "
                  "other code, end at the same loss.", None,
                  "final loss {} here, {} in the study", (ours, "number"), (theirs, "number"))


def loss_near_sheet(studies):
    """The sheet's final loss, held against every seed tried that solves."""
    study = studies["reliability"]
    solved = study["final_loss"][0][_solved(study, 0)]
    near = int(np.sum((solved >= SHEET_FINAL_LOSS / 10) & (solved <= SHEET_FINAL_LOSS * 10)))
    counted = _of(near, len(solved), "seeds tried that solve XOR")
    return claim("loss_near_sheet", len(solved) > 0 or None,
                  f"{counted[0].upper()}{counted[1:]} end within a factor of 10 of the sheet's "
                  "final loss, 1.58 × 10⁻⁴.", None,
                  "{} of the {} that solve", (near, "count"), (len(solved), "count"))


def loss_mostly_falls(studies):
    """The median seed's loss falls (by more than rounding) on at least 99 %
    of the epochs it trains: a flat loss is not a falling one."""
    study = studies["reliability"]
    epochs = np.where(study["diverged_at"][0] > 0, study["diverged_at"][0], study["epochs"])
    share = np.asarray(study["falling_epochs"][0]) / np.maximum(epochs - 1, 1)
    median = float(np.sort(share)[(len(share) - 1) // 2])
    return claim("loss_mostly_falls", median >= FALLS,
                  "For the median seed tried, the loss falls on at least 99 % of the epochs "
                  "it trains.",
                  "For the median seed tried, the loss falls on fewer than 99 % of the epochs "
                  "it trains.",
                  "falls on {} of its epochs", (median, "percent"))


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


def _in_block(study, block):
    return [i for i, v in enumerate(study["variants"]) if block[0] <= v["lr"] <= block[1]]


def _span(block):
    lo, hi = block
    return f"at η = {_g(lo)}" if lo == hi else f"at each learning rate from {_g(lo)} to {_g(hi)}"


def every_seed_rates(studies):
    study = studies["learning_rate"]
    seeds = len(study["seeds"])
    block = rate_block(study, None, studies["centre"]["lr"])
    if block is None:
        best = max(_recount(study, i) for i in range(len(study["variants"])))
        return claim("lr_every", best < seeds,
                      f"At no learning rate tried do all {seeds} seeds tried solve XOR.", None,
                      "at most {} of {} at any rate", (best, "count"), (seeds, "count"))
    rows = _in_block(study, block)
    return claim("lr_every", all(_recount(study, i) == seeds for i in rows),
                  f"All {seeds} seeds tried solve XOR {_span(block)}.", None,
                  "{} of {} rates tried", (len(rows), "count"),
                  (len(study["variants"]), "count"))


def most_seeds_rates(studies):
    """Most seeds solve XOR over a run of rates; left out where that run is
    the one on which every seed does (the record would say it twice)."""
    study = studies["learning_rate"]
    centre = studies["centre"]["lr"]
    block = rate_block(study, 0.5, centre)
    if block is not None and block == rate_block(study, None, centre):
        return None
    seeds = len(study["seeds"])
    if block is None:
        return claim("lr_most", all(2 * _recount(study, i) <= seeds
                                     for i in range(len(study["variants"]))),
                      "At no learning rate tried do most seeds tried solve XOR.", None,
                      "{} rates tried", (len(study["variants"]), "count"))
    rows = _in_block(study, block)
    return claim("lr_most", all(2 * _recount(study, i) > seeds for i in rows),
                  f"Most seeds tried solve XOR {_span(block)}.", None,
                  "{} of {} rates tried", (len(rows), "count"),
                  (len(study["variants"]), "count"))


def _median_solve(study, i):
    return median_epoch(study["below_solve"][i])


def small_rate_slow(studies):
    """Left out where the network built already has the smallest rate."""
    study = studies["learning_rate"]
    centre = studies["centre"]["lr"]
    small = min(range(len(study["variants"])), key=lambda i: study["variants"][i]["lr"])
    lr = study["variants"][small]["lr"]
    if lr == centre:
        return None
    slow = _median_solve(study, small)
    fast = _median_solve(study, variant_index(study, lr=centre))
    if slow is None:
        statement = (f"At the smallest rate tried, {_g(lr)}, the median seed tried does not "
                     f"solve XOR within {study['epochs']} epochs.")
    else:
        statement = (f"At the smallest rate tried, {_g(lr)}, the median seed tried solves XOR "
                     f"at epoch {slow}, against {'never' if fast is None else fast} at "
                     f"{_g(centre)}.")
    holds = None if fast is None and slow is None else \
        (slow is None or (fast is not None and slow > fast))
    return claim("small_rate_slow", holds if slow is None else True, statement, None,
                  "median epoch {} against {}", (slow, "epoch"), (fast, "epoch"))


def largest_rate(studies):
    study = studies["learning_rate"]
    i = int(np.argmax([v["lr"] for v in study["variants"]]))
    solved, n = _recount(study, i), len(study["seeds"])
    lr = study["variants"][i]["lr"]
    counted = _of(solved, n)
    return claim("large_rate", int(_solved(study, i).sum()) == solved,
                  f"At the largest rate tried, {_g(lr)}, {counted} solve XOR." if solved
                  else f"At the largest rate tried, {_g(lr)}, no seed tried solves XOR.", None,
                  "{} of {}", (solved, "count"), (n, "count"))


# --- initialisation ----------------------------------------------------------------------


def zeros_cannot_learn(studies):
    study = studies["initialisation"]
    i = variant_index(study, init="zeros")
    return claim("zeros_cannot_learn", _recount(study, i) == 0,
                  "From zero weights the network does not solve XOR.",
                  "From zero weights the network solves XOR.",
                  "final accuracy {}", (float(np.max(study["final_accuracy"][i])), "percent"))


def zeros_symmetric(studies):
    study = studies["initialisation"]
    i = variant_index(study, init="zeros")
    gap = float(np.max(study["symmetry_gap"][i]))
    if not math.isfinite(gap):  # no hidden layer: no units to be alike
        return None
    return claim("zeros_symmetric", gap == 0.0,
                  "Its hidden units stay identical to one another throughout.",
                  "Its hidden units do not all stay identical to one another.",
                  "largest difference between units: {}", (gap, "number"))


def leaving_the_plateau(studies):
    study = studies["initialisation"]
    epochs = {k: median_epoch(study["below_plateau"][variant_index(study, init=k)])
              for k in ("he", "normal")}
    said = {k: "never" if e is None else f"at epoch {e}" for k, e in epochs.items()}
    return claim("leaves_plateau", True,
                  f"From He weights the median seed tried leaves the ln 2 plateau "
                  f"{said['he']}, from small random weights {said['normal']}.", None,
                  "epoch {} against {}", (epochs["he"], "epoch"), (epochs["normal"], "epoch"))


def initialisers_solve(studies):
    study = studies["initialisation"]
    kinds = [k for k in ("he", "xavier", "normal") if any(v["init"] == k
                                                          for v in study["variants"])]
    counts = [_recount(study, variant_index(study, init=k)) for k in kinds]
    n = len(study["seeds"])
    names = [INIT_NAMES[k].replace(" (std 0.01)", "") for k in kinds]
    return claim("initialisers_solve",
                  counts == [int(_solved(study, variant_index(study, init=k)).sum())
                             for k in kinds],
                  f"{_list(names)} weights solve XOR on {_list(counts)} of the {n} seeds "
                  "tried.", None, " and ".join(["{}"] * len(counts)) + " of {}",
                  *((c, "count") for c in counts), (n, "count"))


# --- depth -------------------------------------------------------------------------------


def linear_cannot_solve(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    n = len(study["seeds"])
    return claim("linear_cannot_solve", _recount(study, i) == 0,
                  f"No network without a hidden layer solves XOR, from any of the {n} seeds "
                  "tried.", None,
                  "best accuracy {}", (float(np.max(study["final_accuracy"][i])), "percent"))


def linear_at_ln_2(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    gap = float(np.max(np.abs(study["final_loss"][i] - math.log(2))))
    return claim("linear_at_ln_2", gap < LN2_GAP,
                  "Each of them ends at loss ln 2, the loss of guessing ½.",
                  "Not every one of them ends at loss ln 2.",
                  "largest distance from ln 2: {}", (gap, "number"))


def depths_solve(studies):
    study = studies["depth"]
    rows = [(v["hidden_layers"], i) for i, v in enumerate(study["variants"])
            if v["hidden_layers"] > 0]
    counts = [_recount(study, i) for _, i in rows]
    n = len(study["seeds"])
    width = hidden_width(studies["centre"])
    return claim("depths_solve",
                  counts == [int(_solved(study, i).sum()) for _, i in rows],
                  f"With {_list([h for h, _ in rows])} hidden layers of {width} units, "
                  f"{_list(counts)} of the {n} seeds tried solve XOR.", None,
                  " and ".join(["{}"] * len(counts)) + " of {}",
                  *((c, "count") for c in counts), (n, "count"))


def deeper_lower_loss(studies):
    """Deeper networks that solve end at a lower loss: the median final loss
    with the most hidden layers against one."""
    study = studies["depth"]
    one = variant_index(study, hidden_layers=1)
    deepest = int(np.argmax([v["hidden_layers"] for v in study["variants"]]))
    a, b = study["variants"][one]["loss_median"], study["variants"][deepest]["loss_median"]
    layers = study["variants"][deepest]["hidden_layers"]
    return claim("deeper_lower_loss", b < a,
                  f"The median final loss is lower with {layers} hidden layers than with one.",
                  f"The median final loss is no lower with {layers} hidden layers than with "
                  "one.",
                  "median final loss {} against {}", (b, "number"), (a, "number"))


# --- activation --------------------------------------------------------------------------


def activations_solve(studies):
    if len(studies["centre"]["layers"]) == 2:  # no hidden layer, no activation
        return None
    study = studies["activation"]
    kinds = [v["activation"] for v in study["variants"]]
    counts = [_recount(study, i) for i in range(len(kinds))]
    n = len(study["seeds"])
    return claim("activations_solve",
                  counts == [int(_solved(study, i).sum()) for i in range(len(kinds))],
                  f"With {_list(ACTIVATION_NAMES[k] for k in kinds)} hidden layers, "
                  f"{_list(counts)} of the {n} seeds tried solve XOR.", None,
                  " and ".join(["{}"] * len(counts)) + " of {}",
                  *((c, "count") for c in counts), (n, "count"))


def relu_against_sigmoid(studies):
    if len(studies["centre"]["layers"]) == 2:
        return None
    study = studies["activation"]
    relu = _median_solve(study, variant_index(study, activation="relu"))
    sigmoid = _median_solve(study, variant_index(study, activation="sigmoid"))
    said = {k: "never" if e is None else f"at epoch {e}"
            for k, e in (("relu", relu), ("sigmoid", sigmoid))}
    holds = None if relu is None and sigmoid is None else \
        relu is not None and (sigmoid is None or relu < sigmoid)
    return claim("relu_faster_than_sigmoid", holds,
                  f"The median seed tried solves XOR sooner with ReLU ({said['relu']}) than "
                  f"with sigmoid ({said['sigmoid']}).",
                  f"The median seed tried solves XOR no sooner with ReLU ({said['relu']}) "
                  f"than with sigmoid ({said['sigmoid']}).",
                  "median epoch {} against {}", (relu, "epoch"), (sigmoid, "epoch"))


# In the order the record says them.
STUDY_CLAIMS = (reliable, loss_mostly_falls, every_seed_rates, most_seeds_rates,
                small_rate_slow, largest_rate, zeros_cannot_learn, zeros_symmetric,
                initialisers_solve, leaving_the_plateau, linear_cannot_solve, linear_at_ln_2,
                depths_solve, deeper_lower_loss, activations_solve, relu_against_sigmoid)


def is_sheet_centre(centre):
    return tuple(centre["layers"]) == tuple(SHEET["layers"]) and all(
        centre[k] == SHEET[k] for k in ("init", "activation", "lr"))


def claims(studies, result=None):
    """The statements the record makes from the studies, each checked; a
    claim that does not apply to the network built is left out, and with
    ``result``, the main run, so is whether it is the study's run of its seed."""
    found = [check(studies) for check in STUDY_CLAIMS]
    found.insert(1, run_is_the_studys(studies, result) if result is not None else None)
    if is_sheet_centre(studies["centre"]) and studies["reliability"]["epochs"] == SHEET_EPOCHS:
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
        return claim("gradient_check", None, statement, None,
                      "none of the {} arrays could be judged", (len(rows), "count"))
    return claim("gradient_check", holds, statement, None,
                  "largest relative error {}, on {} of {} arrays",
                  (largest, "number"), (len(judged), "count"), (len(rows), "count"))
