"""Full-batch gradient descent with an epoch log and the sheet's stopping rule.

``train`` runs one network or a stack of K networks (parameters with a leading
axis, see ``lab.mlp``): the loop is the same, and every per-epoch record has
the batch shape in front of it.  Training stops early when every network has
diverged or met the optional stopping rule.

A network has diverged when its loss is not finite, or has grown past
DIVERGENCE_FACTOR times its first epoch's loss.  Full-batch descent with a small
enough step never raises the loss, so a tenfold rise means the step is too
large; the softmax here is stabilised, so a run that blows up usually kills its
ReLU units and settles at a large finite loss rather than reaching inf or nan.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mlp import accuracy, backward, cross_entropy, forward, update

DIVERGENCE_FACTOR = 10.0


@dataclass
class History:
    """What a training run records.

    loss, accuracy: (epochs_run, *batch), from the forward pass of each epoch
        before that epoch's update (what the sheet prints).
    diverged_at: (*batch,) int, the first epoch whose loss was not finite or
        above DIVERGENCE_FACTOR × the first epoch's, 0 if none.
    stopped_at: the last epoch run; ``stop_reason`` says why training ended.
    """

    loss: np.ndarray
    accuracy: np.ndarray
    diverged_at: np.ndarray
    stopped_at: int
    stop_reason: str


def train(X, Y, y, params, *, lr, epochs, activation="relu",
          loss_tol=None, acc_target=None, progress=None):
    """Train ``params`` in place for up to ``epochs`` epochs.

    X (N, d), Y one-hot (N, C), y labels (N,).  ``lr`` is a number or a
    (K, 1, 1) array for K stacked networks.  Stopping rule (sheet, step 7):
    stop after the epoch whose loss (before its update) is below ``loss_tol``
    or whose accuracy reaches ``acc_target``; either may be None (off).  ``progress(epoch, loss)``
    is called now and then for long runs.
    """
    batch = np.shape(params["b1"])[:-2]
    losses = np.empty((epochs,) + batch)
    accs = np.empty((epochs,) + batch)
    diverged_at = np.zeros(batch, dtype=np.int64)
    reason = "completed all epochs"
    epoch = 0
    frozen = None  # networks of a batch that have diverged, once any has
    stopping_rule = loss_tol is not None or acc_target is not None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            loss, accs[epoch - 1] = _step(X, Y, y, params, lr, activation, frozen)
            losses[epoch - 1] = loss
            # As the program does (lab/exp6/program.py): the epoch's update
            # is made, then training ends if the loss diverged or the rule is met.
            if epoch == 1:
                limit = DIVERGENCE_FACTOR * loss
            if not np.all(loss <= limit):  # nan compares False
                diverged_at[~(loss <= limit) & (diverged_at == 0)] = epoch
                if np.all(diverged_at > 0):
                    reason = f"diverged at epoch {epoch}"
                    break
                # A diverged network in a batch stops where it would alone.
                frozen = (diverged_at > 0)[..., None, None]
            if stopping_rule and _stopping_rule_met(loss, accs[epoch - 1],
                                                    loss_tol, acc_target):
                reason = f"stopping rule met at epoch {epoch}"
                break
            if progress is not None and epoch % 250 == 0:
                progress(epoch, loss)
    return History(losses[:epoch], accs[:epoch], diverged_at, epoch, reason)


def _step(X, Y, y, params, lr, activation, frozen):
    """One epoch: (loss, accuracy) of the forward pass, then the update
    (none for the networks in ``frozen``).  A function, so that the epoch's
    arrays are freed before the next epoch allocates its own."""
    yhat, log_yhat, cache = forward(X, params, activation)
    loss = cross_entropy(log_yhat, Y)
    acc = accuracy(yhat, y)
    grads = backward(yhat, Y, cache, params, activation)
    if frozen is not None:
        grads = {k: np.where(frozen, 0.0, g) for k, g in grads.items()}
    update(params, grads, lr)
    return loss, acc


def _stopping_rule_met(loss, acc, loss_tol, acc_target):
    met = np.zeros(np.shape(loss), dtype=bool)
    if loss_tol is not None:
        met |= loss < loss_tol
    if acc_target is not None:
        met |= acc >= acc_target
    return bool(np.all(met))


def first_epoch_reaching(accuracy_log, target=1.0):
    """Per network, the first epoch (1-based) whose accuracy ≥ target, 0 if none.

    accuracy_log (epochs, *batch) -> (*batch,) int.
    """
    hit = accuracy_log >= target
    return np.where(hit.any(axis=0), hit.argmax(axis=0) + 1, 0)
