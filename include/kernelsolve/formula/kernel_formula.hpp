// parse_kernel_formula: which built-in kernel family (and which g) a KeOps formula "<kernel>(x, y) * b" stands for.
// Host-only, free of Kokkos and MPI: the app's --formula option and the fuzz test call it.
#pragma once

#include <kernelsolve/formula/formula_error.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace kernelsolve {

/// What a KeOps formula "<kernel>(x, y) * b" stands for.
struct KernelFormula {
  KernelSpec kernel;            ///< the family and its canonical g (the table of kernel_family.hpp)
  std::string i_variable;       ///< "x": the first point of the squared distance, SqDist(x, y)
  std::string j_variable;       ///< "y": the second point
  std::string weight_variable;  ///< "b": the weights, the factor that multiplies the kernel
};

/// \brief Reads a KeOps formula such as `Exp(-g*SqDist(x,y))*b` and identifies its kernel among the built-in families.
///
/// The formula (grammar in formula/expression.hpp) must be a product of factors of which one is a bare variable
/// name that is not a parameter, the weight (the last such factor: `K * b` or `b * K`), and the others form the
/// kernel K. K may use the points only through their squared distance r2, spelled `SqDist(x, y)`, `SqDist(y, x)`,
/// `SqNorm2(x - y)`, `Norm2(x - y)` (= sqrt(r2)) or `Sum(Square(x - y))`; its other variables must be parameters.
/// The family is then identified numerically, so that every algebraically equivalent spelling is accepted:
/// K(0) must be 1, and K(r2) must equal the family's profile phi(g r2) at a dozen r2 (relative tolerance 1e-9)
/// for one g > 0. `Exp(-SqDist(x,y)/(2*s*s))*b` is the Gaussian with g = 1 / (2 s^2), `Inv(1+g*SqDist(x,y))*b`
/// the Cauchy kernel with g.
///
/// \param formula the formula, e.g. `Exp(-g*SqDist(x,y))*b`
/// \param parameters the values of its scalar parameters (KeOps Pm(1) variables), e.g. {{"g", 50.0}}; names not
///        used by the formula are ignored
/// \throws FormulaError (an InvalidArgument) pointing at the offending part of the formula: a syntax error, an
///         unknown function or parameter, a kernel that does not depend on the points through r2 only, one with
///         K(0) != 1, or one that is none of the supported positive-definite families for any g > 0.
KernelFormula parse_kernel_formula(std::string_view formula,
                                   std::map<std::string, double, std::less<>> const& parameters);

}  // namespace kernelsolve
