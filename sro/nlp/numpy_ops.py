"""thinc ops for the spaCy pipeline: matrix products through numpy (OpenBLAS) on one thread.

A module of its own so the class pickles by name (a pickled pipeline refers to it). See sro.nlp.nlp
for why.
"""

from __future__ import annotations

from thinc.api import NumpyOps

from sro.nlp.nlp import one_blas_thread


class OneThreadNumpyOps(NumpyOps):
    """NumpyOps multiplying with numpy.dot on one OpenBLAS thread: a one-sentence parse (the judge, the
    predicate lemmas) multiplies tiny matrices, which two threads on a busy machine made ~100x slower."""

    def __init__(self, *args, **kwargs):
        kwargs["use_blis"] = False
        super().__init__(*args, **kwargs)

    def gemm(self, x, y, out=None, trans1=False, trans2=False):
        with one_blas_thread():
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
