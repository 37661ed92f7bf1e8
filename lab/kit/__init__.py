"""The kit for writing an experiment: what any lab's record is made of.

An experiment (``lab/expN/``) is a program and a record of its run.  The kit
gives it what a second lab would otherwise copy from the first; numpy and the
standard library only, like the rest of ``lab/``.

============================  =================================================
``lab.config``                ``config_from_program(program, checks=...)``:
                              the settings, declared once, in the program's
                              ``# Settings`` block; checks ``SEED``, ``COUNT``,
                              ``POSITIVE``, ``one_of``, ``at_least``,
                              ``optional``
``lab.kit.program``           ``run_program(program, config)``: the program's
                              own ``run(**settings, log=...)``, its printed log
                              and its listing with the run's settings
``lab.kit.figures``           a figure and its panels as the report draws them:
                              ``figure``, ``lines``, ``series``, ``heatmap``
``lab.kit.curves``            loss and accuracy by epoch: ``epoch_curves``
``lab.kit.boundary``          a 2-D classifier's probability over the plane
                              and its decision boundary: ``probability_grid``,
                              ``boundary_panel``
``lab.kit.claims``            ``claim(...)``: a statement the record makes,
                              with what was measured and whether it holds
``lab.kit.tables``            ``epoch_log(loss, accuracy)``: a CSV table of
                              every epoch
============================  =================================================

Numbers a record prints go through the report's one number style, by kind:
a value handed to a template is formatted there (``{{ x | n("percent") }}``),
and a measured value or an alternative text is a pattern with a ``{}`` per
value and ``[value, kind]`` pairs, kind one of ``number`` (three significant
figures, 1.58 × 10⁻⁴), ``percent``, ``count``, ``epoch``, ``setting`` (as
configured, 0.1) and ``sci`` (always m × 10ⁿ).
"""
