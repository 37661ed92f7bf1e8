"""The batched training engine as it was at commit a17cf5f, frozen for the
benchmark: lab/mlp.py and lab/train.py verbatim (only the import of mlp made
relative) and lab/studies.py's ``train_batch``.  Nothing in labreport imports
it; benchmarks/studies.py measures the engine in lab/ against it in the same
invocation, so its ratios are measured rather than remembered."""
