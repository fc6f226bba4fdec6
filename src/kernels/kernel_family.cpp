// Names, aliases, formulas and parameter conversions of the built-in kernel families (see kernel_family.hpp), read
// off each family's profile: nothing here changes when a family is added.
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kernelsolve {
namespace {

std::string lower_case(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return lowered;
}

}  // namespace

std::string_view to_string(KernelFamily family) {
  return visit_family_profile(family, [](auto profile) { return decltype(profile)::name; });
}

std::string_view formula_of(KernelFamily family) {
  return visit_family_profile(family, [](auto profile) { return decltype(profile)::formula; });
}

std::string kernel_family_names() {
  std::string names;
  std::string aliases;
  for (KernelFamily family : all_kernel_families) {
    names += (names.empty() ? "" : ", ") + std::string(to_string(family));
    visit_family_profile(family, [&aliases](auto profile) {
      for (std::string_view alias : decltype(profile)::aliases)
        aliases += (aliases.empty() ? " " : ", ") + std::string(alias);
    });
  }
  return aliases.empty() ? names : names + " (aliases" + aliases + ")";
}

KernelFamily kernel_family_from_name(std::string_view name) {
  std::string const lowered = lower_case(name);
  for (KernelFamily family : all_kernel_families) {
    bool const named = visit_family_profile(family, [&lowered](auto profile) {
      using Profile = decltype(profile);
      return lowered == Profile::name ||
             std::find(Profile::aliases.begin(), Profile::aliases.end(), lowered) != Profile::aliases.end();
    });
    if (named) return family;
  }
  KS_USER_REQUIRE(false, "unknown kernel '", name, "' (known: ", kernel_family_names(), ")");
  return KernelFamily::gaussian;
}

double g_from_sigma(KernelFamily family, double sigma) {
  KS_USER_REQUIRE(std::isfinite(sigma) && sigma > 0.0, "sigma must be finite and > 0, got ", sigma);
  double const inverse_square = 1.0 / (sigma * sigma);
  return visit_family_profile(family, [](auto profile) { return decltype(profile)::g_sigma_squared; }) * inverse_square;
}

double sigma_from_g(KernelFamily family, double g) {
  KS_USER_REQUIRE(std::isfinite(g) && g > 0.0, "the kernel parameter g must be finite and > 0, got ", g);
  return std::sqrt(visit_family_profile(family, [](auto profile) { return decltype(profile)::g_sigma_squared; }) / g);
}

double evaluate_profile(KernelFamily family, double u) {
  return visit_family_profile(family, [u](auto profile) { return decltype(profile)::reference(u); });
}

int max_dimension_of(KernelFamily family) {
  return visit_family_profile(family,
                              [](auto profile) { return detail::profile_max_dimension<decltype(profile)>::value; });
}

void validate(KernelSpec const& spec) {
  KS_USER_REQUIRE(std::isfinite(spec.g) && spec.g > 0.0, "the ", to_string(spec.family),
                  " kernel is positive definite only for g > 0: g must be finite and > 0, got ", spec.g);
}

}  // namespace kernelsolve
