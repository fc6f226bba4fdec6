// parse_kernel_formula: finds the kernel K and the weight of "<kernel>(x, y) * b", checks that K depends on the points
// only through r2 = |x - y|^2, and identifies K(r2) numerically with one of the built-in families.
#include <kernelsolve/formula/expression.hpp>
#include <kernelsolve/formula/kernel_formula.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace kernelsolve {
namespace {

using formula::Expression;
using formula::Function;
using formula::Node;
using formula::NodeKind;
using formula::SourceSpan;
using Parameters = std::map<std::string, double, std::less<>>;

/// K(0) must be 1 to this absolute tolerance, and K(r2) the family's profile to this relative one.
constexpr double normalization_tolerance = 1e-12;
constexpr double match_tolerance = 1e-9;

SourceSpan join(SourceSpan first, SourceSpan second) {
  return {std::min(first.begin, second.begin), std::max(first.end, second.end)};
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";  // without the sign some libraries print
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

std::string describe_parameters(Parameters const& parameters) {
  if (parameters.empty()) return "no parameters given";
  std::string text = "parameters: ";
  bool first = true;
  for (auto const& [name, value] : parameters) {
    text.append(first ? "" : ", ").append(name).append(" = ").append(format_number(value));
    first = false;
  }
  return text;
}

std::string parameter_names(Parameters const& parameters) {
  if (parameters.empty()) return "no parameters given";
  std::string text = "given: ";
  bool first = true;
  for (auto const& entry : parameters) {
    text.append(first ? "" : ", ").append(entry.first);
    first = false;
  }
  return text;
}

/// The spellings of the squared distance r2 of two points (or of its square root, Norm2) that a kernel may use.
enum class DistanceForm { none, squared, norm };

/// A use of the points in the kernel: SqDist(x, y), SqNorm2(x - y), Norm2(x - y) or Sum(Square(x - y)).
struct Distance {
  std::size_t node = 0;
  std::size_t first = 0;   ///< the variable node of x
  std::size_t second = 0;  ///< the variable node of y
};

/// Reads the formula's structure: its factors, the distances in them, and every other variable.
class Structure {
 public:
  Structure(Expression const& expression, Parameters const& parameters)
      : expression_(expression), parameters_(parameters), forms_(expression.nodes().size(), DistanceForm::none) {
    collect_factors(expression.root_index());
    for (std::size_t factor : factors_) visit(factor);
  }

  std::vector<std::size_t> const& factors() const { return factors_; }
  std::vector<Distance> const& distances() const { return distances_; }
  /// Variable nodes outside the distances, in the order of the formula.
  std::vector<std::size_t> const& variables() const { return variables_; }
  /// What each node stands for in K(r2): none (compute it), the squared distance r2, or its square root.
  std::vector<DistanceForm> const& forms() const { return forms_; }

 private:
  Node const& node(std::size_t index) const { return expression_.node(index); }

  void collect_factors(std::size_t index) {
    if (node(index).kind == NodeKind::multiply) {
      for (std::size_t operand : node(index).operands) collect_factors(operand);
    } else {
      factors_.push_back(index);
    }
  }

  bool is_point_candidate(std::size_t index) const {
    return node(index).kind == NodeKind::variable && parameters_.find(node(index).name) == parameters_.end();
  }

  /// x - y with two variables that are not parameters: the difference of two points.
  bool is_point_difference(std::size_t index) const {
    Node const& difference = node(index);
    return difference.kind == NodeKind::subtract && is_point_candidate(difference.operands[0]) &&
           is_point_candidate(difference.operands[1]);
  }

  /// The difference of points inside SqNorm2(x - y), Norm2(x - y) or Sum(Square(x - y)), if `index` is one of those.
  std::optional<std::size_t> difference_inside(std::size_t index) const {
    Node const& call = node(index);
    if (call.kind != NodeKind::call) return std::nullopt;
    if (call.function == Function::sq_norm2 || call.function == Function::norm2) {
      if (is_point_difference(call.operands[0])) return call.operands[0];
    } else if (call.function == Function::sum) {
      Node const& square = node(call.operands[0]);
      if (square.kind == NodeKind::call && square.function == Function::square &&
          is_point_difference(square.operands[0]))
        return square.operands[0];
    }
    return std::nullopt;
  }

  void visit(std::size_t index) {
    Node const& current = node(index);
    if (current.kind == NodeKind::call && current.function == Function::sq_dist) {
      for (std::size_t argument : current.operands) {
        if (node(argument).kind != NodeKind::variable)
          throw expression_.error(node(argument).span,
                                  "the arguments of SqDist must be two point variables, as in SqDist(x, y)");
        if (!is_point_candidate(argument))
          throw expression_.error(node(argument).span, "'" + node(argument).name +
                                                           "' is a parameter: the arguments of SqDist must be two "
                                                           "point variables, as in SqDist(x, y)");
      }
      forms_[index] = DistanceForm::squared;
      distances_.push_back({index, current.operands[0], current.operands[1]});
      return;
    }
    if (auto const difference = difference_inside(index)) {
      forms_[index] = current.function == Function::norm2 ? DistanceForm::norm : DistanceForm::squared;
      distances_.push_back({index, node(*difference).operands[0], node(*difference).operands[1]});
      return;
    }
    if (current.kind == NodeKind::variable) variables_.push_back(index);
    for (std::size_t operand : current.operands) visit(operand);
  }

  Expression const& expression_;
  Parameters const& parameters_;
  std::vector<std::size_t> factors_;
  std::vector<Distance> distances_;
  std::vector<std::size_t> variables_;
  std::vector<DistanceForm> forms_;
};

/// K(r2): the product of the kernel's factors, with the distances replaced by r2 (or sqrt(r2)) and the parameters
/// by their values. Computes in double what KeOps computes (Rsqrt(0) = 0, Powf(a, b) = exp(b log a)).
class RadialFunction {
 public:
  RadialFunction(Expression const& expression, std::vector<DistanceForm> forms, std::vector<std::size_t> factors,
                 Parameters const& parameters)
      : expression_(expression), forms_(std::move(forms)), factors_(std::move(factors)), parameters_(parameters) {}

  double operator()(double r2) const {
    double product = 1.0;
    for (std::size_t factor : factors_) product *= evaluate(factor, r2);
    return product;
  }

 private:
  double evaluate(std::size_t index, double r2) const {
    if (forms_[index] == DistanceForm::squared) return r2;
    if (forms_[index] == DistanceForm::norm) return std::sqrt(r2);
    Node const& node = expression_.node(index);
    auto operand = [&](std::size_t position) { return evaluate(node.operands[position], r2); };
    switch (node.kind) {
      case NodeKind::number:
        return node.value;
      case NodeKind::variable:
        return parameters_.find(node.name)->second;
      case NodeKind::negate:
        return -operand(0);
      case NodeKind::plus:
        return operand(0);
      case NodeKind::add:
        return operand(0) + operand(1);
      case NodeKind::subtract:
        return operand(0) - operand(1);
      case NodeKind::multiply:
        return operand(0) * operand(1);
      case NodeKind::divide:
        return operand(0) / operand(1);
      case NodeKind::call:
        break;
    }
    double const argument = operand(0);
    switch (node.function) {
      case Function::exp:
        return std::exp(argument);
      case Function::log:
        return std::log(argument);
      case Function::sqrt:
        return std::sqrt(argument);
      case Function::rsqrt:
        return argument == 0.0 ? 0.0 : 1.0 / std::sqrt(argument);
      case Function::inv:
        return 1.0 / argument;
      case Function::square:
        return argument * argument;
      case Function::abs:
        return std::abs(argument);
      case Function::pow:
        return std::pow(argument, operand(1));
      case Function::powf:
        return std::exp(operand(1) * std::log(argument));
      case Function::sq_norm2:
        return argument * argument;  // of a scalar: the points are inside distances
      case Function::norm2:
        return std::abs(argument);
      case Function::sum:
        return argument;
      case Function::int_cst:
        return argument;
      case Function::sq_dist:
        break;  // always a distance (Structure checks its arguments)
    }
    return std::nan("");
  }

  Expression const& expression_;
  std::vector<DistanceForm> forms_;
  std::vector<std::size_t> factors_;
  Parameters const& parameters_;
};

/// The u >= 0 (level < 1) or u < 0 (level > 1) with phi(u) = level for the family's profile phi, which decreases
/// from phi(0) = 1; nullopt when there is none (phi is defined for u < 0 only for some families).
std::optional<double> invert_profile(KernelFamily family, double level) {
  auto phi = [family](double u) { return evaluate_profile(family, u); };
  if (!(std::isfinite(level) && level > 0.0) || level == 1.0) return std::nullopt;
  // Bracket: phi(inside) on the 1 side of level, phi(outside) past it.
  double inside = 0.0;
  double outside = level < 1.0 ? 1.0 : -1.0;
  auto past = [&](double u) { return level < 1.0 ? phi(u) <= level : phi(u) >= level; };
  while (!past(outside)) {
    outside *= 2.0;
    if (std::abs(outside) > 1e300) return std::nullopt;
  }
  for (int iteration = 0; iteration < 200; ++iteration) {
    double const middle = inside + 0.5 * (outside - inside);
    if (middle == inside || middle == outside) break;
    (past(middle) ? outside : inside) = middle;
  }
  return inside + 0.5 * (outside - inside);
}

/// An r2 > 0 at which K crosses `level` (K(0) = 1): the scale at which to compare K with the families.
std::optional<double> find_crossing(RadialFunction const& kernel, double level) {
  auto past = [level](double value) { return level < 1.0 ? value <= level : value >= level; };
  double below = 0.0;
  for (int exponent = -256; exponent <= 256; ++exponent) {
    double const r2 = std::ldexp(1.0, exponent);
    double const value = kernel(r2);
    if (!std::isfinite(value)) return std::nullopt;
    if (past(value)) {
      double above = r2;
      for (int iteration = 0; iteration < 60; ++iteration) {
        double const middle = below + 0.5 * (above - below);
        (past(kernel(middle)) ? above : below) = middle;
      }
      return above;
    }
    below = r2;
  }
  return std::nullopt;
}

/// g with phi(g r2) = K(r2) at r2 = scale and at the multiples of scale in `samples`, or nullopt.
template <std::size_t N>
std::optional<double> match(RadialFunction const& kernel, KernelFamily family, double scale,
                            std::array<double, N> const& samples) {
  std::optional<double> const u = invert_profile(family, kernel(scale));
  if (!u) return std::nullopt;
  double const g = *u / scale;
  if (!std::isfinite(g) || g == 0.0) return std::nullopt;
  for (double sample : samples) {
    double const r2 = sample * scale;
    double const expected = evaluate_profile(family, g * r2);
    double const actual = kernel(r2);
    // Written so that NaN or infinity on either side fails.
    if (!(std::isfinite(expected) && std::isfinite(actual) &&
          std::abs(actual - expected) <= match_tolerance * std::abs(expected)))
      return std::nullopt;
  }
  return g;
}

std::string supported_families() {
  std::string text;
  for (KernelFamily family : all_kernel_families) {
    text.append(text.empty() ? "" : "; ").append(to_string(family)).append(" ").append(formula_of(family));
  }
  return text;
}

/// The family and g of K, which must be 1 at 0; throws at `span` (the kernel's part of the formula) otherwise.
KernelSpec identify(Expression const& expression, SourceSpan span, RadialFunction const& kernel,
                    Parameters const& parameters) {
  double const at_zero = kernel(0.0);
  if (!(std::abs(at_zero - 1.0) <= normalization_tolerance))
    throw expression.error(span, "the kernel must be normalized, k(0) must be 1, got " + format_number(at_zero) + " (" +
                                     describe_parameters(parameters) + ")");
  // Decreasing kernels: compare on [0.001 t, 16 t] around the t where K = 1/2. Growing ones (g < 0): up to where
  // the Cauchy and inverse multiquadric profiles are still defined.
  static constexpr std::array<double, 12> decreasing = {0.001, 0.05, 0.1, 0.25, 0.5, 0.75,
                                                        1.5,   2.0,  3.0, 4.0,  8.0, 16.0};
  static constexpr std::array<double, 8> growing = {0.001, 0.05, 0.1, 0.25, 0.5, 0.75, 1.1, 1.25};
  if (std::optional<double> const half = find_crossing(kernel, 0.5)) {
    for (KernelFamily family : all_kernel_families) {
      if (std::optional<double> const g = match(kernel, family, *half, decreasing)) {
        KernelSpec const spec{family, *g};
        validate(spec);
        return spec;
      }
    }
  } else if (std::optional<double> const twice = find_crossing(kernel, 2.0)) {
    for (KernelFamily family : all_kernel_families) {
      if (std::optional<double> const g = match(kernel, family, *twice, growing)) {
        throw expression.error(span, "the kernel is the " + std::string(to_string(family)) + " kernel " +
                                         std::string(formula_of(family)) + " with g = " + format_number(*g) + " (" +
                                         describe_parameters(parameters) +
                                         "), which is positive definite only for g > 0");
      }
    }
  }
  throw expression.error(span, "the kernel is not one of the supported positive-definite families " +
                                   supported_families() + " for any g > 0 (" + describe_parameters(parameters) + ")");
}

}  // namespace

KernelFormula parse_kernel_formula(std::string_view text, Parameters const& parameters) {
  Expression const expression = formula::parse_expression(text);
  Structure const structure(expression, parameters);
  auto node = [&](std::size_t index) -> Node const& { return expression.node(index); };
  auto quoted = [](std::string const& name) { return "'" + name + "'"; };
  std::string const example = "Exp(-g*SqDist(x,y))*b";

  // The points: the pair of every distance, which must be the same two variables.
  if (structure.distances().empty()) {
    // Without a distance, a variable that is not a parameter is a point used some other way (the last bare one
    // among the factors may be the weight).
    std::optional<std::size_t> last_bare;
    for (std::size_t factor : structure.factors()) {
      if (node(factor).kind == NodeKind::variable) last_bare = factor;
    }
    for (std::size_t index : structure.variables()) {
      if (index != last_bare && parameters.find(node(index).name) == parameters.end())
        throw expression.error(node(index).span,
                               quoted(node(index).name) + " is not a parameter (" + parameter_names(parameters) +
                                   "), and a point may enter the kernel only through a squared distance: SqDist(x, "
                                   "y), SqNorm2(x - y), Norm2(x - y) or Sum(Square(x - y))");
    }
    throw expression.error(expression.root().span,
                           "the formula does not depend on the distance between two points: it must be a kernel of "
                           "SqDist(x, y), SqNorm2(x - y), Norm2(x - y) or Sum(Square(x - y)) times a weight, as in " +
                               example);
  }
  std::string const& i_variable = node(structure.distances().front().first).name;
  std::string const& j_variable = node(structure.distances().front().second).name;
  for (Distance const& distance : structure.distances()) {
    std::string const& first = node(distance.first).name;
    std::string const& second = node(distance.second).name;
    if (first == second)
      throw expression.error(node(distance.node).span,
                             "'" + std::string(expression.text(node(distance.node).span)) + "' is 0 for every " +
                                 first +
                                 ": the kernel must depend on the distance between two different points, as in "
                                 "SqDist(x, y)");
    if (!((first == i_variable && second == j_variable) || (first == j_variable && second == i_variable)))
      throw expression.error(node(distance.node).span, "the kernel must depend on one pair of points, " + i_variable +
                                                           " and " + j_variable + ", not on " + first + " and " +
                                                           second);
  }

  // The weight: the last factor that is a bare variable other than a parameter or a point.
  std::optional<std::size_t> weight;
  for (std::size_t factor : structure.factors()) {
    Node const& candidate = node(factor);
    if (candidate.kind == NodeKind::variable && parameters.find(candidate.name) == parameters.end() &&
        candidate.name != i_variable && candidate.name != j_variable)
      weight = factor;
  }
  if (!weight || structure.factors().size() < 2)
    throw expression.error(expression.root().span, "the formula must be a kernel times a weight variable, as in " +
                                                       example +
                                                       ": no factor of the whole formula is a weight variable");
  std::string const& weight_variable = node(*weight).name;
  std::vector<std::size_t> kernel_factors;
  for (std::size_t factor : structure.factors()) {
    if (factor != *weight) kernel_factors.push_back(factor);
  }
  SourceSpan kernel_span = node(kernel_factors.front()).span;
  for (std::size_t factor : kernel_factors) kernel_span = join(kernel_span, node(factor).span);

  // Every other variable of the kernel must be a parameter with a finite value.
  for (std::size_t index : structure.variables()) {
    if (index == *weight) continue;
    std::string const& name = node(index).name;
    SourceSpan const span = node(index).span;
    if (name == weight_variable)
      throw expression.error(span,
                             "the weight " + quoted(name) + " must appear once, as a factor of the whole formula");
    if (name == i_variable || name == j_variable)
      throw expression.error(span, "the kernel may depend on " + name + " only through the squared distance of " +
                                       i_variable + " and " + j_variable + " (SqDist(" + i_variable + ", " +
                                       j_variable + "), SqNorm2(" + i_variable + " - " + j_variable + "), Norm2(" +
                                       i_variable + " - " + j_variable + ")): it must be radial");
    auto const parameter = parameters.find(name);
    if (parameter == parameters.end())
      throw expression.error(span, "unknown parameter " + quoted(name) + " (" + parameter_names(parameters) + ")");
    if (!std::isfinite(parameter->second))
      throw expression.error(
          span, "the parameter " + quoted(name) + " must be finite, got " + format_number(parameter->second));
  }

  RadialFunction const kernel(expression, structure.forms(), kernel_factors, parameters);
  return {identify(expression, kernel_span, kernel, parameters), i_variable, j_variable, weight_variable};
}

}  // namespace kernelsolve
