"""kernelsolve: matrix-free solves of kernel systems (K + alpha I) c = b, distributed over MPI.

Layers (docs/python.md):
  kernelsolve.KernelSolver            NumPy arrays of this rank's rows; solve, gradient, predict (this module)
  kernelsolve.torch.KernelSolve       drop-in for pykeops.torch.KernelSolve, with autograd
  kernelsolve.numpy.KernelSolve       drop-in for pykeops.numpy.KernelSolve
  kernelsolve.sklearn                 KernelRidge, GaussianProcessRegressor
  kernelsolve.interpolate             RBFInterpolator (SciPy's signature)
MPI and Kokkos start on first use and are finalized at interpreter exit; mpi4py is optional.
"""

from . import _core
from ._errors import ConvergenceError, ConvergenceWarning, DimensionMismatch, FormulaError, InvalidArgument
from ._results import Gradient, SolveResult
from ._runtime import Communicator, build_info, finalize, initialize, is_initialized
from ._solver import (FAMILIES, PRECISIONS, PRECONDITIONERS, KernelFormula, KernelSolver, evaluate_profile,
                      family_from_name, g_from_sigma, parse_formula, sigma_from_g)

NystromOptions = _core.NystromOptions
SchwarzOptions = _core.SchwarzOptions
RefinementOptions = _core.RefinementOptions
__version__ = _core.__version__

__all__ = ["KernelSolver", "SolveResult", "Gradient", "Communicator", "initialize", "finalize", "is_initialized",
           "build_info", "InvalidArgument", "DimensionMismatch", "FormulaError", "ConvergenceWarning",
           "ConvergenceError", "FAMILIES", "PRECISIONS", "PRECONDITIONERS", "KernelFormula", "parse_formula",
           "family_from_name", "g_from_sigma", "sigma_from_g", "evaluate_profile", "NystromOptions",
           "SchwarzOptions", "RefinementOptions", "__version__"]
