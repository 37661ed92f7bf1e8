"""The experiments of the course, from scratch in numpy.

Each experiment is a package ``exp<N>``.  What several may share sits beside
them under a name that says what it is: ``mlp_engine`` (a batched MLP engine
that trains the networks of a study), ``kit`` (what a record is made of),
``config``, ``listing``, ``gradcheck`` and ``memory``.  Nothing here imports
anything but numpy and the standard library.
"""
