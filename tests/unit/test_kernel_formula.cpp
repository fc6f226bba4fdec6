// KeOps formula strings: the parser's tree and spans, every supported spelling of each kernel family (family and g),
// and a table of malformed or unsupported formulas, each with the message and the column of its FormulaError.
#include "harness/expect_error.hpp"

#include <kernelsolve/formula/expression.hpp>
#include <kernelsolve/formula/kernel_formula.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <string>
#include <utility>

namespace {

using kernelsolve::FormulaError;
using kernelsolve::KernelFamily;
using kernelsolve::parse_kernel_formula;
using kernelsolve::formula::Function;
using kernelsolve::formula::NodeKind;
using kernelsolve::formula::parse_expression;
using Parameters = std::map<std::string, double, std::less<>>;

// g = 50 and s = 0.3 (a Gaussian with sigma = 0.3 has g = 1 / (2 * 0.09) = 5.5...).
Parameters const parameters = {{"g", 50.0}, {"s", 0.3}};

// ---------------------------------------------------------------------------------------------------------------
// The parser

TEST(FormulaExpression, ProductsBindTighterThanSumsAndUnaryMinusTightest) {
  auto const expression = parse_expression("1 + -2 * 3");
  auto const& root = expression.root();
  ASSERT_EQ(root.kind, NodeKind::add);
  auto const& product = expression.node(root.operands[1]);
  ASSERT_EQ(product.kind, NodeKind::multiply);
  EXPECT_EQ(expression.node(product.operands[0]).kind, NodeKind::negate);
  EXPECT_EQ(expression.text(product.span), "-2 * 3");
  EXPECT_EQ(expression.text(root.span), "1 + -2 * 3");
}

TEST(FormulaExpression, OperatorsAreLeftAssociative) {
  auto const expression = parse_expression("8/4/2");
  ASSERT_EQ(expression.root().kind, NodeKind::divide);
  EXPECT_EQ(expression.text(expression.node(expression.root().operands[0]).span), "8/4");
  EXPECT_EQ(expression.node(expression.root().operands[1]).value, 2.0);
}

TEST(FormulaExpression, CallsCarryTheirFunctionArgumentsAndSpans) {
  auto const expression = parse_expression("Exp(-g*SqDist( x ,y ))* b");
  auto const& root = expression.root();
  ASSERT_EQ(root.kind, NodeKind::multiply);
  auto const& exp = expression.node(root.operands[0]);
  ASSERT_EQ(exp.kind, NodeKind::call);
  EXPECT_EQ(exp.function, Function::exp);
  EXPECT_EQ(expression.text(exp.span), "Exp(-g*SqDist( x ,y ))");
  EXPECT_EQ(expression.text(exp.name_span), "Exp");
  auto const& product = expression.node(exp.operands[0]);
  ASSERT_EQ(product.kind, NodeKind::multiply);  // (-g) * SqDist: unary minus binds tightest
  EXPECT_EQ(expression.text(expression.node(product.operands[0]).span), "-g");
  auto const& distance = expression.node(product.operands[1]);
  EXPECT_EQ(distance.function, Function::sq_dist);
  ASSERT_EQ(distance.operands.size(), 2u);
  EXPECT_EQ(expression.node(distance.operands[0]).name, "x");
  EXPECT_EQ(expression.node(distance.operands[1]).name, "y");
  EXPECT_EQ(distance.span.column(), 8u);
  EXPECT_EQ(distance.span.length(), 14u);  // "SqDist( x ,y )"
  EXPECT_EQ(expression.node(root.operands[1]).span.column(), 25u);
}

TEST(FormulaExpression, ReadsIntegerDecimalAndExponentNumbers) {
  for (auto const& [text, value] : {std::pair<char const*, double>{"42", 42.0},
                                    {"0.25", 0.25},
                                    {".5", 0.5},
                                    {"3.", 3.0},
                                    {"2.5e-3", 2.5e-3},
                                    {"1E+2", 100.0},
                                    {"7e2", 700.0}}) {
    auto const expression = parse_expression(text);
    ASSERT_EQ(expression.root().kind, NodeKind::number) << text;
    EXPECT_EQ(expression.root().value, value) << text;
  }
}

TEST(FormulaExpression, RefusesNestingDeeperThanTheLimit) {
  std::string const deep = std::string(300, '(') + "1" + std::string(300, ')');
  EXPECT_THROW_WITH_MESSAGE(parse_expression(deep), FormulaError, "nests more than 200 levels deep");
  std::string long_sum = "1";
  for (int term = 0; term < 300; ++term) long_sum += "+1";
  EXPECT_THROW_WITH_MESSAGE(parse_expression(long_sum), FormulaError, "nests more than 200 levels deep");
  EXPECT_THROW_WITH_MESSAGE(parse_expression(std::string(300, '-') + "1"), FormulaError, "levels deep");
  std::string const nested = std::string(150, '(') + "Exp(-g*SqDist(x,y))*b" + std::string(150, ')');
  EXPECT_EQ(parse_kernel_formula(nested, parameters).kernel.family, KernelFamily::gaussian);
}

// ---------------------------------------------------------------------------------------------------------------
// Accepted spellings

struct Spelling {
  char const* name;
  std::string formula;
  KernelFamily family;
  double g;
  char const* i_variable = "x";
  char const* j_variable = "y";
  char const* weight_variable = "b";
};

std::ostream& operator<<(std::ostream& stream, Spelling const& spelling) {
  return stream << spelling.formula;
}

class KernelFormulaSpelling : public testing::TestWithParam<Spelling> {};

TEST_P(KernelFormulaSpelling, GivesItsFamilyAndG) {
  Spelling const& spelling = GetParam();
  auto const result = parse_kernel_formula(spelling.formula, parameters);
  EXPECT_EQ(result.kernel.family, spelling.family) << to_string(result.kernel.family);
  EXPECT_NEAR(result.kernel.g, spelling.g, 1e-9 * spelling.g);
  EXPECT_EQ(result.i_variable, spelling.i_variable);
  EXPECT_EQ(result.j_variable, spelling.j_variable);
  EXPECT_EQ(result.weight_variable, spelling.weight_variable);
}

constexpr double gaussian_g_of_s = 1.0 / (2.0 * 0.3 * 0.3);

INSTANTIATE_TEST_SUITE_P(
    Families, KernelFormulaSpelling,
    testing::Values(
        Spelling{"gaussian", "Exp(-g*SqDist(x,y))*b", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_seed", "Exp(- g * SqDist(x,y)) * b", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_weight_first", "b*Exp(-SqDist(x,y)*g)", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_sigma", "Exp(-SqDist(x,y)/(2*s*s))*b", KernelFamily::gaussian, gaussian_g_of_s},
        Spelling{"gaussian_sigma_pow", "Exp(-SqDist(x,y)/(2*Pow(s,2)))*b", KernelFamily::gaussian, gaussian_g_of_s},
        Spelling{"gaussian_sqnorm2", "Exp(-g*SqNorm2(x-y))*b", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_sum_square", "Exp(-g*Sum(Square(y-x)))*b", KernelFamily::gaussian, 50.0, "y", "x"},
        Spelling{"gaussian_reversed", "Exp(-g*SqDist(y,x))*b", KernelFamily::gaussian, 50.0, "y", "x"},
        Spelling{"gaussian_product", "Exp(-g*SqDist(x,y))*Exp(-SqDist(x,y))*b", KernelFamily::gaussian, 51.0},
        Spelling{"gaussian_halves", "Exp(-g/2*SqDist(x,y)) * Exp(-SqDist(y,x)*g/2) * b", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_whitespace", "\tExp( -g\n* SqDist( x , y ) )  *\r\n b ", KernelFamily::gaussian, 50.0},
        Spelling{"gaussian_other_names", "Exp(-g*SqDist(p,q))*v", KernelFamily::gaussian, 50.0, "p", "q", "v"},
        Spelling{"gaussian_long_names", "Exp(-g*SqDist(x_i,y_j))*beta2", KernelFamily::gaussian, 50.0, "x_i", "y_j",
                 "beta2"},
        Spelling{"laplacian", "Exp(-Sqrt(g*SqDist(x,y)))*b", KernelFamily::laplacian, 50.0},
        Spelling{"laplacian_norm2", "Exp(-Sqrt(g)*Norm2(x-y))*b", KernelFamily::laplacian, 50.0},
        Spelling{"laplacian_sigma", "Exp(-Norm2(x-y)/s)*b", KernelFamily::laplacian, 1.0 / (0.3 * 0.3)},
        Spelling{"matern32", "(1+Sqrt(3*g*SqDist(x,y)))*Exp(-Sqrt(3*g*SqDist(x,y)))*b", KernelFamily::matern32, 50.0},
        Spelling{"matern52", "(1+Sqrt(5*g*SqDist(x,y))+5*g*SqDist(x,y)/3)*Exp(-Sqrt(5*g*SqDist(x,y)))*b",
                 KernelFamily::matern52, 50.0},
        Spelling{"cauchy", "Inv(1+g*SqDist(x,y))*b", KernelFamily::cauchy, 50.0},
        Spelling{"cauchy_division", "1/(1+g*SqDist(x,y))*b", KernelFamily::cauchy, 50.0},
        Spelling{"cauchy_intcst", "Inv(IntCst(1)+g*SqDist(x,y))*b", KernelFamily::cauchy, 50.0},
        Spelling{"cauchy_pow", "Pow(1+g*SqDist(x,y),-1)*b", KernelFamily::cauchy, 50.0},
        Spelling{"imq", "Rsqrt(1+g*SqDist(x,y))*b", KernelFamily::inverse_multiquadric, 50.0},
        Spelling{"imq_inv_sqrt", "Inv(Sqrt(1+g*SqDist(x,y)))*b", KernelFamily::inverse_multiquadric, 50.0},
        Spelling{"imq_powf", "Powf(1+g*SqDist(x,y), -0.5)*b", KernelFamily::inverse_multiquadric, 50.0},
        Spelling{"imq_sigma", "Rsqrt(1+SqDist(x,y)/Square(s))*b", KernelFamily::inverse_multiquadric,
                 1.0 / (0.3 * 0.3)}),
    [](testing::TestParamInfo<Spelling> const& info) { return std::string(info.param.name); });

TEST(KernelFormula, IdentifiesGAcrossScales) {
  for (double g : {1e-6, 1e-3, 1.0, 1e3, 1e6}) {
    // Each family KeOps has a spelling for (its formula language has no compactly supported function).
    for (auto const& [family, formula] :
         {std::pair{KernelFamily::gaussian, "Exp(-g*SqDist(x,y))*b"},
          std::pair{KernelFamily::laplacian, "Exp(-Sqrt(g*SqDist(x,y)))*b"},
          std::pair{KernelFamily::matern32, "(1+Sqrt(3*g*SqDist(x,y)))*Exp(-Sqrt(3*g*SqDist(x,y)))*b"},
          std::pair{KernelFamily::matern52,
                    "(1+Sqrt(5*g*SqDist(x,y))+5*g*SqDist(x,y)/3)*Exp(-Sqrt(5*g*SqDist(x,y)))*b"},
          std::pair{KernelFamily::cauchy, "Inv(1+g*SqDist(x,y))*b"},
          std::pair{KernelFamily::inverse_multiquadric, "Rsqrt(1+g*SqDist(x,y))*b"}}) {
      auto const result = parse_kernel_formula(formula, {{"g", g}});
      EXPECT_EQ(result.kernel.family, family) << formula << " with g = " << g;
      EXPECT_NEAR(result.kernel.g, g, 1e-9 * g) << formula;
    }
  }
}

TEST(KernelFormula, IgnoresUnusedParameters) {
  auto const result = parse_kernel_formula("Exp(-gamma*SqDist(x,y))*b", {{"gamma", 2.0}, {"unused", -1.0}});
  EXPECT_EQ(result.kernel.family, KernelFamily::gaussian);
  EXPECT_NEAR(result.kernel.g, 2.0, 2e-9);
}

// ---------------------------------------------------------------------------------------------------------------
// Refused formulas

struct Refusal {
  char const* name;
  std::string formula;
  std::string fragment;  // in problem() and what()
  std::size_t column;
  std::size_t length;
};

std::ostream& operator<<(std::ostream& stream, Refusal const& refusal) {
  return stream << refusal.formula;
}

class KernelFormulaRefusal : public testing::TestWithParam<Refusal> {};

TEST_P(KernelFormulaRefusal, PointsAtTheProblem) {
  Refusal const& refusal = GetParam();
  try {
    auto const result = parse_kernel_formula(refusal.formula, parameters);
    ADD_FAILURE() << "accepted as " << to_string(result.kernel.family) << " with g = " << result.kernel.g;
  } catch (FormulaError const& error) {
    EXPECT_NE(error.problem().find(refusal.fragment), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(refusal.fragment), std::string::npos) << error.what();
    EXPECT_EQ(error.column(), refusal.column) << error.what();
    EXPECT_EQ(error.length(), refusal.length) << error.what();
    EXPECT_EQ(error.formula(), refusal.formula);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, KernelFormulaRefusal,
    testing::Values(
        // Syntax
        Refusal{"empty", "", "the formula is empty", 1, 0}, Refusal{"blank", "  ", "the formula is empty", 1, 2},
        Refusal{"unclosed_call", "Exp(", "expected an expression, found the end of the formula", 5, 0},
        Refusal{"unclosed_parenthesis", "(1+g*SqDist(x,y)*b",
                "expected ')' to close the '(' at column 1, found the end of the formula", 19, 0},
        Refusal{"unmatched_parenthesis", "Exp(-g*SqDist(x,y)))*b", "unmatched ')'", 20, 1},
        Refusal{"double_star", "Exp(-g**SqDist(x,y))*b", "'**' is not an operator", 7, 2},
        Refusal{"exponent_without_digits", "1e", "malformed number '1e': its exponent has no digits", 1, 2},
        Refusal{"signed_exponent_without_digits", "Exp(-g*SqDist(x,y))*b*1.5e+", "malformed number '1.5e+'", 23, 5},
        Refusal{"number_out_of_range", "1e999*b", "number '1e999' is out of the range of double", 1, 5},
        Refusal{"unexpected_character", "Exp(-g*SqDist(x,y))*b $", "unexpected character '$'", 23, 1},
        Refusal{"non_ascii", "Exp(-g*SqDist(x,y))*\xc3\xa9", "unexpected byte 0xc3", 21, 1},
        Refusal{"missing_operator", "Exp(-g*SqDist(x,y)) b",
                "expected an operator or the end of the formula, found 'b'", 21, 1},
        Refusal{"missing_comma", "Exp(-g*SqDist(x y))*b",
                "expected ',' or ')' after argument 1 of SqDist (its '(' is at column 14), found 'y'", 17, 1},
        Refusal{"missing_argument", "Exp(-g*SqDist(x,))*b", "expected an expression, found ')'", 17, 1},
        Refusal{"unknown_function", "Cos(g*SqDist(x,y))*b", "unsupported function 'Cos' (supported: Exp, Log,", 1, 3},
        Refusal{"unknown_inner_function", "Exp(-g*Dist(x,y))*b", "unsupported function 'Dist'", 8, 4},
        Refusal{"too_many_arguments", "Exp(-g*SqDist(x,y),2)*b", "Exp takes 1 argument, got 2", 1, 21},
        Refusal{"too_few_arguments", "Exp(-g*SqDist(x))*b", "SqDist takes 2 arguments, got 1", 8, 9},
        Refusal{"no_arguments", "Exp()*b", "Exp takes 1 argument, got 0", 1, 5},
        Refusal{"fractional_pow", "Pow(1+g*SqDist(x,y),-0.5)*b", "the exponent of Pow must be an integer constant", 21,
                4},
        // Variables
        Refusal{"unknown_parameter", "Exp(-h*SqDist(x,y))*b", "unknown parameter 'h' (given: g, s)", 6, 1},
        Refusal{"parameter_as_point", "Exp(-SqDist(g,y))*b", "'g' is a parameter: the arguments of SqDist must be", 13,
                1},
        Refusal{"expression_as_point", "Exp(-SqDist(2*x,y))*b", "the arguments of SqDist must be two point variables",
                13, 3},
        // Shape: kernel * weight
        Refusal{"no_weight", "Exp(-g*SqDist(x,y))", "must be a kernel times a weight variable", 1, 19},
        Refusal{"parameter_as_weight", "Exp(-g*SqDist(x,y))*g", "must be a kernel times a weight variable", 1, 21},
        Refusal{"sum_with_weight", "Exp(-g*SqDist(x,y))+b", "must be a kernel times a weight variable", 1, 21},
        Refusal{"weight_twice", "Exp(-g*SqDist(x,y))*b*b", "the weight 'b' must appear once", 21, 1},
        Refusal{"weight_inside_kernel", "Exp(-b*SqDist(x,y))*b", "the weight 'b' must appear once", 6, 1},
        // Radial in one pair of points
        Refusal{"no_distance", "Exp(-g)*b", "does not depend on the distance between two points", 1, 9},
        Refusal{"same_point", "Exp(-g*SqDist(x,x))*b", "'SqDist(x,x)' is 0 for every x", 8, 11},
        Refusal{"two_pairs", "Exp(-g*SqDist(x,y)-SqDist(x,z))*b", "one pair of points, x and y, not on x and z", 20,
                11},
        Refusal{"point_outside_distance", "Exp(-g*SqDist(x,y)-x)*b",
                "may depend on x only through the squared distance", 20, 1},
        Refusal{
            "sum_of_difference", "Exp(-g*Sum(x-y))*b",
            "'x' is not a parameter (given: g, s), and a point may enter the kernel only through a squared distance",
            12, 1},
        // Normalized and one of the positive-definite families
        Refusal{"not_normalized", "2*Exp(-g*SqDist(x,y))*b", "k(0) must be 1, got 2", 1, 21},
        Refusal{"halved", "Exp(-g*SqDist(x,y))/2*b", "k(0) must be 1, got 0.5", 1, 21},
        Refusal{"distance_itself", "SqDist(x,y)*b", "k(0) must be 1, got 0", 1, 11},
        Refusal{"nan_at_zero", "Sqrt(-1-g*SqDist(x,y))*b", "k(0) must be 1, got nan", 1, 22},
        Refusal{"growing", "Exp(+g*SqDist(x,y))*b", "the gaussian kernel exp(-g r^2) with g = -50", 1, 19},
        Refusal{"fourth_power", "Exp(-g*SqDist(x,y)*SqDist(x,y))*b", "not one of the supported positive-definite", 1,
                31},
        Refusal{"gaussian_times_laplacian", "Exp(-g*SqDist(x,y))*Exp(-Sqrt(g*SqDist(x,y)))*b",
                "not one of the supported positive-definite", 1, 45},
        Refusal{"nan_beyond_zero", "Exp(-g*SqDist(x,y))*Powf(1-1e3*SqDist(x,y),0)*b",
                "not one of the supported positive-definite", 1, 45},
        Refusal{"constant", "Exp(-0*SqDist(x,y))*b", "not one of the supported positive-definite", 1, 19}),
    [](testing::TestParamInfo<Refusal> const& info) { return std::string(info.param.name); });

TEST(KernelFormula, NonPositiveParametersAreRefusedWithTheirValues) {
  EXPECT_THROW_WITH_MESSAGE(parse_kernel_formula("Exp(-g*SqDist(x,y))*b", {{"g", -1.0}}), FormulaError,
                            "the gaussian kernel exp(-g r^2) with g = -1 (parameters: g = -1), which is positive "
                            "definite only for g > 0");
  EXPECT_THROW_WITH_MESSAGE(parse_kernel_formula("Inv(1+g*SqDist(x,y))*b", {{"g", -2.0}}), FormulaError,
                            "the cauchy kernel 1 / (1 + g r^2) with g = -2");
  EXPECT_THROW_WITH_MESSAGE(parse_kernel_formula("Exp(-Sqrt(g*SqDist(x,y)))*b", {{"g", -1.0}}), FormulaError,
                            "for any g > 0 (parameters: g = -1)");
  EXPECT_THROW_WITH_MESSAGE(parse_kernel_formula("Exp(-g*SqDist(x,y))*b", {{"g", 0.0}}), FormulaError,
                            "for any g > 0 (parameters: g = 0)");
  EXPECT_THROW_WITH_MESSAGE(
      parse_kernel_formula("Exp(-g*SqDist(x,y))*b", {{"g", std::numeric_limits<double>::quiet_NaN()}}), FormulaError,
      "the parameter 'g' must be finite, got nan");
  EXPECT_THROW_WITH_MESSAGE(parse_kernel_formula("Exp(-g*SqDist(x,y))*b", {}), FormulaError,
                            "unknown parameter 'g' (no parameters given)");
}

TEST(KernelFormula, ErrorShowsTheFormulaWithACaretLineUnderTheProblem) {
  try {
    parse_kernel_formula("Exp(-g*SqDist(x,y))*Exp(-hh*SqDist(x,y))*b", {{"g", 1.0}});
    ADD_FAILURE() << "expected a FormulaError";
  } catch (kernelsolve::InvalidArgument const& error) {
    EXPECT_EQ(std::string(error.what()),
              "formula \"Exp(-g*SqDist(x,y))*Exp(-hh*SqDist(x,y))*b\": unknown parameter 'hh' (given: g) at column 26\n"
              "         Exp(-g*SqDist(x,y))*Exp(-hh*SqDist(x,y))*b\n"
              "                                  ^~");
  }
}

TEST(KernelFormula, ErrorKeepsThreeLinesForFormulasWithNewlines) {
  try {
    parse_kernel_formula("Exp(-g*\n\tSqDist(x,y)) * b @", {{"g", 1.0}});
    ADD_FAILURE() << "expected a FormulaError";
  } catch (FormulaError const& error) {
    EXPECT_EQ(error.column(), 27u);
    EXPECT_EQ(std::string(error.what()),
              "formula \"Exp(-g*  SqDist(x,y)) * b @\": unexpected character '@' at column 27\n"
              "         Exp(-g*  SqDist(x,y)) * b @\n"
              "                                   ^");
  }
}

}  // namespace
