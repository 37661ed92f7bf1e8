"""Full-batch gradient descent with an epoch log and an optional stopping rule.

``train`` runs one network or a stack of K networks (parameters with a
leading axis, see ``lab.mlp_engine.network``): the loop is the same, and every
per-epoch record has the batch shape in front of it.  Training stops early when every network has
diverged or met the optional stopping rule.

A network has diverged when its loss is not finite, or has grown past
DIVERGENCE_FACTOR times its first epoch's loss.  Full-batch descent with a small
enough step never raises the loss, so a tenfold rise means the step is too
large; the softmax here is stabilised, so a run that blows up usually kills its
ReLU units and settles at a large finite loss rather than reaching inf or nan.

The epochs run in ``_Stack``, the network module's maths laid out for speed:
studies train hundreds of networks of a few units on a few points, where
numpy's time goes to the number of calls and allocations, not to arithmetic.
It makes the operations of a plain one-network program (exp6's
``lab/exp6/program.py`` is the one tested) in that program's order, except
that a bias is one more term of its matmul's sum and the loss's terms are
divided by N before they are summed; tests hold its loss history to that
program's, to 1e-12, and to the network module's steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab.mlp_engine.network import depth, lookup

DIVERGENCE_FACTOR = 10.0


@dataclass
class History:
    """What a training run records.

    loss, accuracy: (epochs_run, *batch), from the forward pass of each epoch
        before that epoch's update (what an epoch log prints).
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
          loss_tol=None, acc_target=None, progress=None, diverges=DIVERGENCE_FACTOR):
    """Train ``params`` in place for up to ``epochs`` epochs; a network whose
    loss stops being finite or exceeds ``diverges`` × its first has diverged.

    X (N, d), Y one-hot (N, C), y labels (N,).  ``lr`` is a number or a
    (K, 1, 1) array for K stacked networks.  Stopping rule: stop after the
    epoch whose loss (before its update) is below ``loss_tol`` or whose
    accuracy reaches ``acc_target``; either may be None (off).
    ``progress(epoch, loss)`` is called now and then for long runs.
    """
    batch = np.shape(params["b1"])[:-2]
    stack = _Stack(X, Y, y, params, lr, activation)
    losses = np.empty((epochs, stack.K))
    counts = np.empty((epochs, stack.K))  # correct samples, less a constant (see _Stack)
    diverged_at = np.zeros(stack.K, dtype=np.int64)
    reason = "completed all epochs"
    epoch = 0
    frozen = None  # indices of the networks that have diverged, once any has
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            loss = losses[epoch - 1]
            stack.epoch(loss, counts[epoch - 1], frozen)
            # As a plain program does (exp6's, say): the epoch's update is
            # made, then training ends if the loss diverged or the rule is met.
            if epoch == 1:
                limit, within = diverges * loss, np.empty(stack.K, dtype=bool)
            np.less_equal(loss, limit, out=within)  # nan compares False
            if frozen is not None:
                within[frozen] = True  # counted once, at the first epoch beyond
            if not within.all():
                diverged_at[~within] = epoch
                if np.all(diverged_at > 0):
                    reason = f"diverged at epoch {epoch}"
                    break
                # A diverged network in a batch stops where it would alone.
                frozen = np.flatnonzero(diverged_at)
            if (loss_tol is not None or acc_target is not None) and _stopping_rule_met(
                    loss, stack.accuracy(counts[epoch - 1]), loss_tol, acc_target):
                reason = f"stopping rule met at epoch {epoch}"
                break
            if progress is not None and epoch % 250 == 0:
                progress(epoch, loss.reshape(batch)[()])
    stack.unload(params)
    run = slice(0, epoch)
    accuracy = stack.accuracy(counts[run], out=counts[run])
    return History(losses[run].reshape((epoch,) + batch), accuracy.reshape((epoch,) + batch),
                   diverged_at.reshape(batch), epoch, reason)


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


# --- the engine: K networks, every array allocated once ---------------------------


class _Stack:
    """K networks of one shape, trained by the network module's maths with few
    numpy calls.

    Every array is allocated once, and every view an epoch uses made once, here.
    Layout:

    - all parameters in one array, so that the update is two calls; a layer's
      weights and bias are one block ``Wb``, the bias its last row, and
      a[l-1] carries a column of ones, so that one matmul gives z[l] =
      [a[l-1], 1] Wb and one dW and db together;
    - layer 1, when hidden, is one product for all K networks, since they
      share X: its block is (d + 1, K, fan_out + 1), its arrays (N, K,
      fan_out + 1), and an extra unit (weights 0, bias 1, never trained:
      its dz is 0) makes the column of ones that layer 2 needs;
    - a later hidden layer is (K, fan_in + 1, fan_out) and one matmul per
      network: it writes z into the first columns of A (K, N, fan_out + 1),
      whose last column holds the ones, g acts on A in place, and g'(z) is
      kept transposed, (K, fan_out, N), as dz is: numpy's batched matmul is
      fast for a b, aᵀ b and aᵀ bᵀ, slow for a bᵀ, and so neither
      dW = aᵀ dz nor daᵀ = W dzᵀ needs it;
    - the output layer writes z class-major, (C, K, N), so that softmax, loss,
      accuracy and dz = (ŷ − Y)/N run along K·N contiguous numbers.

    The loss is a product with −Y/N and the accuracy, for two classes, a
    product with ±1 per label: ``accuracy`` finishes the count.
    """

    def __init__(self, X, Y, y, params, lr, activation):
        X, Y, y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64), np.asarray(y)
        batch = np.shape(params["b1"])[:-2]
        self.K, self.N = int(np.prod(batch, dtype=np.int64)), len(Y)
        self.g = lookup(_G_IN_PLACE, activation, "activation")
        shapes = [np.shape(params[f"W{l}"])[-2:] for l in range(1, depth(params) + 1)]
        self.layers = [_Layer() for _ in shapes]
        lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), batch + (1, 1))
        self._parameters(params, shapes, lr.reshape(self.K, 1, 1))
        a = np.hstack([X, np.ones((self.N, 1))])  # [X, 1]
        for l, layer in enumerate(self.layers[:-1]):
            a = self._hidden(layer, a, shapes[l][1], shared=l == 0)
        self._output(a, Y, y)

    def _parameters(self, params, shapes, lr):
        """theta, grad and lr, one number per parameter, and each layer's
        blocks Wb and dWb in them, with Wb_k and dWb_k (K, fan_in + 1, ...)
        views of them, network first."""
        K, shared = self.K, len(shapes) > 1  # layer 1 hidden: one product for all K
        blocks = [(fan_in + 1, K, fan_out + 1) if l == 0 and shared else (K, fan_in + 1, fan_out)
                  for l, (fan_in, fan_out) in enumerate(shapes)]
        self.theta = np.empty(sum(np.prod(block) for block in blocks))
        self.grad = np.empty_like(self.theta)
        self.lr = np.empty_like(self.theta)  # no broadcasting in the update: twice as fast
        end = 0
        for l, (layer, block, (fan_in, fan_out)) in enumerate(zip(self.layers, blocks, shapes)):
            extra_unit = l == 0 and shared
            size, network_first = np.prod(block), (1, 0, 2) if extra_unit else (0, 1, 2)
            layer.Wb, layer.dWb, lr_block = (a[end:end + size].reshape(block)
                                             for a in (self.theta, self.grad, self.lr))
            end += size
            layer.Wb_k, layer.dWb_k = (layer.Wb.transpose(network_first),
                                       layer.dWb.transpose(network_first))
            lr_block.transpose(network_first)[...] = lr
            layer.Wb_k[:, :fan_in, :fan_out] = np.reshape(params[f"W{l + 1}"], (K, fan_in, fan_out))
            layer.Wb_k[:, fan_in, :fan_out] = np.reshape(params[f"b{l + 1}"], (K, fan_out))
            if extra_unit:  # layer 1's, making the ones of [a, 1]: z = 0·x + 1
                layer.Wb_k[:, :fan_in, fan_out], layer.Wb_k[:, fan_in, fan_out] = 0.0, 1.0
            layer.W = layer.Wb_k[:, :fan_in]

    def _hidden(self, layer, a, fan_out, shared):
        """A hidden layer's arrays, fed by ``a`` ([a[l-1], 1], network first,
        or [X, 1] when ``shared``); returns its own [a, 1], network first."""
        K, N = self.K, self.N
        layer.shared = shared
        if shared:  # z = [X, 1] Wb: (N, d+1) @ (d+1, K·(fan_out+1))
            layer.A = np.empty((N, K, fan_out + 1))
            layer.a, layer.z = a, layer.A.reshape(N, -1)
            layer.Wb, layer.dWb = layer.Wb.reshape(len(a.T), -1), layer.dWb.reshape(len(a.T), -1)
            layer.g_of = layer.A  # g'(z) in A's layout
            layer.delta = np.zeros_like(layer.A)  # the extra unit's column stays 0
            layer.da = layer.delta[..., :-1].transpose(1, 0, 2)
            layer.a_T, layer.dz = a.T, layer.delta.reshape(N, -1)
            a_next = layer.A.transpose(1, 0, 2)
        else:
            layer.A = np.ones((K, N, fan_out + 1))
            layer.a, layer.z = a, layer.A[..., :-1]
            layer.g_of = layer.A.transpose(0, 2, 1)[:, :-1]  # g'(z) transposed, as dz
            layer.delta = layer.da = np.empty((K, fan_out, N))
            layer.a_T, layer.dz = a.swapaxes(-1, -2), layer.delta.swapaxes(-1, -2)
            a_next = layer.A
        layer.gprime = np.empty(layer.g_of.shape)
        layer.ones = layer.A[..., -1]
        layer.zero = np.zeros(layer.A.shape)
        return a_next

    def _output(self, a, Y, y):
        """The output layer's arrays, class-major, fed by ``a``; where each
        hidden layer's da comes from; the loss's and the accuracy's weights."""
        K, N, C = self.K, self.N, Y.shape[1]
        out = self.layers[-1]
        self.zC = np.empty((C, K, N))  # z, then z − max, then log ŷ
        self.yC = np.empty((C, K, N))
        self.dzC = np.empty((C, K, N))
        out.a, out.a_T, out.z = a, a.swapaxes(-1, -2), self.zC.transpose(1, 2, 0)
        out.dz, out.delta = self.dzC.transpose(1, 2, 0), self.dzC.transpose(1, 0, 2)
        # da of a hidden layer: daᵀ = W dzᵀ of the layer above, transposed as
        # its dz; for layer 1 shared, da = dz Wᵀ, sample-major as its dz
        for layer, above in zip(self.layers, self.layers[1:]):
            layer.da_product = ((above.dz, above.W.swapaxes(-1, -2)) if layer.shared
                                else (above.W, above.delta))
        self.YC = np.ascontiguousarray(np.broadcast_to(Y.T[:, None, :], (C, K, N)))
        self.m = np.empty((K, N))  # max over classes, then Σ exp, then its log
        self.minus_YC_over_N = (-Y.T / N)[:, :, None]  # (C, N, 1)
        self.loss_by_class = np.empty((C, K, 1))
        self.hit = np.empty((K, N))
        if C == 2:
            # argmax ŷ = 1 exactly when ŷ1 > ŷ0 (np.argmax takes the first on ties)
            self.label_sign = (y == 1).astype(np.float64) - (y == 0)
            self.count_offset = np.sum(y == 0)
        else:
            self.labels, self.ones, self.count_offset = y, np.ones(N), 0

    def epoch(self, loss, count, frozen):
        """One epoch: the forward pass's loss and count of correct samples into
        ``loss`` and ``count`` (K,), then the update, none for the networks at
        the indices ``frozen``."""
        self.forward()
        self.loss_and_count(loss, count)
        self.backward()
        np.multiply(self.grad, self.lr, out=self.grad)  # w ← w − η·dw
        if frozen is not None:
            for layer in self.layers:
                layer.dWb_k[frozen] = 0.0
        np.subtract(self.theta, self.grad, out=self.theta)

    def forward(self):
        for layer in self.layers[:-1]:
            np.matmul(layer.a, layer.Wb, out=layer.z)  # z = [a, 1] Wb
            self.g(layer)
        out = self.layers[-1]
        np.matmul(out.a, out.Wb, out=out.z)
        # softmax and log-softmax, as network.softmax: ŷ = exp(z − m)/s and
        # log ŷ = (z − m) − log s, with m = max and s = Σ over classes.
        zC, yC, m = self.zC, self.yC, self.m
        _over_classes(np.maximum, zC, out=m)
        np.subtract(zC, m, out=zC)
        np.exp(zC, out=yC)
        _over_classes(np.add, yC, out=m)
        np.divide(yC, m, out=yC)
        np.log(m, out=m)
        np.subtract(zC, m, out=zC)

    def loss_and_count(self, loss, count):
        """Mean cross-entropy −Σ Y log ŷ / N, and correct samples less
        ``count_offset``."""
        np.matmul(self.zC, self.minus_YC_over_N, out=self.loss_by_class)
        _over_classes(np.add, self.loss_by_class[..., 0], out=loss)
        yC, hit = self.yC, self.hit
        if len(yC) == 2:
            np.greater(yC[1], yC[0], out=hit)
            np.matmul(hit, self.label_sign, out=count)
        else:
            best, index = yC[0].copy(), np.zeros(hit.shape, dtype=np.intp)
            for c in range(1, len(yC)):
                index[yC[c] > best] = c
                np.maximum(best, yC[c], out=best)
            np.equal(index, self.labels, out=hit)
            np.matmul(hit, self.ones, out=count)

    def accuracy(self, count, out=None):
        """Fraction of samples classified right, from counts of ``loss_and_count``."""
        out = np.add(count, self.count_offset, out=out)
        return np.divide(out, self.N, out=out)

    def backward(self):
        np.subtract(self.yC, self.YC, out=self.dzC)
        np.divide(self.dzC, self.N, out=self.dzC)  # δ = (ŷ − y)/N
        out = self.layers[-1]
        np.matmul(out.a_T, out.dz, out=out.dWb)  # [a, 1]ᵀ dz
        for layer in reversed(self.layers[:-1]):
            np.matmul(*layer.da_product, out=layer.da)
            np.multiply(layer.delta, layer.gprime, out=layer.delta)  # dz = da ⊙ g'(z)
            np.matmul(layer.a_T, layer.dz, out=layer.dWb)

    def unload(self, params):
        """Write the parameters back into the caller's arrays."""
        for l, layer in enumerate(self.layers, start=1):
            W, b = params[f"W{l}"], params[f"b{l}"]
            fan_in, fan_out = W.shape[-2:]
            W[...] = layer.Wb_k[:, :fan_in, :fan_out].reshape(W.shape)
            b[...] = layer.Wb_k[:, fan_in, :fan_out].reshape(b.shape)


class _Layer:
    """The arrays and views of one layer of a _Stack: its parameter blocks Wb
    and dWb (and Wb_k, dWb_k, W, network first); the product z = a Wb (a, z);
    for a hidden layer A ([a, 1] after g), gprime (g'(z), from the view g_of
    of A), delta (dz as kept, da written into it through the view da by
    da_product); and dWb = a_T dz."""


def _over_classes(ufunc, a, out):
    """ufunc(…ufunc(a[0], a[1])…, a[C-1]) into out: a max or a sum over the
    few classes of a class-major array, one class after the other, as numpy
    sums them."""
    if len(a) == 1:
        np.copyto(out, a[0])
        return
    ufunc(a[0], a[1], out=out)
    for c in range(2, len(a)):
        ufunc(out, a[c], out=out)


# g on a hidden layer's A in place (its column of ones kept), and g'(z) into
# gprime from the view g_of of A: the operations of the network module's g
# and g' (a plain program's), so the same numbers.


def _relu(layer):
    np.greater(layer.g_of, 0.0, out=layer.gprime)  # g'(0) = 0, as the sheet's drelu
    np.maximum(layer.A, layer.zero, out=layer.A)  # relu(1) = 1: the ones stay


def _tanh(layer):
    np.tanh(layer.A, out=layer.A)
    np.square(layer.g_of, out=layer.gprime)
    np.subtract(1.0, layer.gprime, out=layer.gprime)  # 1 − tanh²
    layer.ones[...] = 1.0


def _sigmoid(layer):
    A, gprime = layer.A, layer.gprime
    np.multiply(A, 0.5, out=A)
    np.tanh(A, out=A)  # t = tanh(z/2)
    np.square(layer.g_of, out=gprime)
    np.subtract(1.0, gprime, out=gprime)
    np.multiply(gprime, 0.25, out=gprime)  # (1 − t²)/4
    np.add(A, 1.0, out=A)
    np.multiply(A, 0.5, out=A)  # (1 + t)/2
    layer.ones[...] = 1.0


_G_IN_PLACE = {"relu": _relu, "tanh": _tanh, "sigmoid": _sigmoid}  # network.ACTIVATIONS' names
