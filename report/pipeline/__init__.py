"""The build pipeline: configure, run, render and write an experiment's
outputs (build), check them against committed ones (check), with the cache,
the worker processes, signals, limits and the one writer of outputs."""
