"""``lksym train``: a small network trained with each penalty under real optimisers (PyTorch, scikit-learn's digits).

:mod:`lksym.training.model` trains and measures one configuration; :mod:`lksym.training.grid` runs the grid
and judges each chosen run against the one-weight predictions of :mod:`lksym.numerics.train_claims`.
Beside :mod:`lksym.torch` in the layers (it uses its penalty and proximal step); imported only by
:func:`lksym.api.train`, so torch stays optional for everything else.
"""
