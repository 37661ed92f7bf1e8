"""A batched MLP engine: hundreds of small multi-layer perceptrons trained at
once, for the studies behind a record's reflections.

Any experiment may use it.  It knows no experiment and no data set: the data
X (N, d) and labels y (N,) are arguments, and a setting is plain data.
numpy and the standard library only, like the rest of ``lab/``.

===========================  ==================================================
``lab.mlp_engine.network``   the MLP as pure functions over arrays, any axes
                             before the last two a batch of networks:
                             activations and initialisers (tables),
                             ``init_params``, ``forward``, ``backward``,
                             softmax and cross-entropy side by side,
                             ``update``, ``stack_params``, ``gradient_check``;
                             the reference the trainer is held to
``lab.mlp_engine.train``     ``train(X, Y, y, params, lr=, epochs=, ...)``:
                             full-batch gradient descent of one network or a
                             stack of K, each with its own learning rate,
                             with divergence and an optional stopping rule;
                             its ``History``
``lab.mlp_engine.studies``   ``plan`` cuts the networks of {study: (settings,
                             seeds)} into batches of plain data;
                             ``train_batch(spec)`` trains one, the unit of
                             work a pool maps; ``run_batches`` maps them;
                             ``assemble`` makes a study of the outputs;
                             ``quartiles``, ``median_epoch`` and ``variant``
                             read it
===========================  ==================================================

An experiment says which networks, and the engine trains and summarises them.
exp6's ``lab/exp6/study_plan.py`` is the example::

    from lab.exp6.data import xor          # the experiment's own data
    from lab.mlp_engine import studies as engine

    X, _, y = xor(1)                       # X (4, 2), y (4,)
    specs, placement = engine.plan(
        {name: (settings, seeds), ...},    # a setting: layers, activation, init, lr
        epochs=epochs, X=X, y=y, below={"solve": SOLVED_LOSS}, diverges=DIVERGES)
    outputs = engine.run_batches(specs, workers, on_done, run_all)
    study = engine.assemble(settings, seeds, outputs, placement[name], epochs,
                            solved_below=SOLVED_LOSS)

Network k of a setting starts from ``init_params(layers, init,
RandomState(seed))``, as a single run with that seed would, and a network
that several studies share is trained once.  The trainer makes a plain
one-network program's operations in its order, and a test holds its loss
histories to exp6's program to 1e-12 (``tests/test_train.py``): what the
studies measure is what that program does.
"""
