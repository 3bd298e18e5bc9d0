// The one finite-difference gradient checker of the test suite, in double.
// Layer tests (tests/test_layers.cpp), encoding-hook tests
// (tests/encoding_hooks.hpp) and whole-model tests (tests/model_gradients.hpp)
// all compare their backward passes with it.
//
// Numeric derivative: five-point central differences,
//   L'(x) ≈ (8·(L(x+h) − L(x−h)) − (L(x+2h) − L(x−2h))) / 12h,   h = 1e-4,
// truncation error h⁴·L⁽⁵⁾/30 (~1e-18) and round-off ~1e-11 for an O(1)
// loss. Where the estimates with steps h and 2h disagree, the loss has a kink
// nearby (ReLU-type MLPs in FIRE and DAPE make it piecewise smooth) and the
// derivative is measured again with steps 1e-5 and 1e-6, and from the side
// without the kink if every central stencil holds one
// (tests/finite_differences.cpp).
//
// Tolerance rule, one per tensor (a parameter tensor, q, k, a layer input):
//   relative_error = ‖a − n‖₂ / max(‖a‖₂, ‖n‖₂, kGradientNormFloor) < tolerance
// with a the analytic and n the numeric gradient. The floor (1e-2, for the
// O(1) losses every test here uses) keeps a tensor whose true gradient is 0
// from comparing round-off with round-off: below it the test is absolute,
// ‖a − n‖ < tolerance·1e-2. Two tolerances, by what the loss goes through:
//   kLayerTolerance = 1e-8  one layer or one encoding hook (tests/test_layers.cpp,
//                           tests/encoding_hooks.hpp); worst seen 5e-9, a FIRE
//                           scalar measured next to a kink with h = 1e-5;
//   kModelTolerance = 1e-7  the whole transformer (tests/model_gradients.hpp):
//                           its ReLU-type encoding MLPs put kinks close to the
//                           point, where the smaller steps carry ~1e-9 of
//                           round-off per derivative; worst seen 4e-9 (DAPE).
// A wrong gradient is off by orders of magnitude more: one entry off by 1e-6
// of the gradient's norm fails kLayerTolerance a hundredfold, and a factor
// 1.001 in one encoding gradient fails kModelTolerance
// (tests/test_finite_differences.cpp, tests/test_model_gradients.cpp).
//
// Tensors of up to kEntrywiseLimit entries (biases, norms, scalars) are
// checked entry by entry. Larger ones are checked along kDirections random
// Gaussian directions v: a·v against the numeric derivative along v. With
// E[(x·v)²] = ‖x‖² the same rule then holds for the root mean squares over
// the directions (an estimate within about ±40% for 16 directions, while a
// wrong gradient is off by orders of magnitude more than the tolerance), and
// an error anywhere in the tensor shows in every direction (it could hide only
// if orthogonal to all sixteen, which has probability 0): one wrong entry
// among thousands fails it (tests/test_finite_differences.cpp). Per
// direction this is as precise as per entry, and it costs 16 derivatives
// instead of one per entry (position tables of 1024 or 2048 rows, most of
// them untouched by a short batch).
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace pebench::testing {

inline constexpr double kLayerTolerance = 1e-8;
inline constexpr double kModelTolerance = 1e-7;
inline constexpr double kGradientNormFloor = 1e-2;
inline constexpr size_t kEntrywiseLimit = 32;
inline constexpr int kDirections = 16;

struct GradientError {
  std::string name;
  double relative_error = 0.0;  // the rule above; < tolerance passes
  double analytic_norm = 0.0;   // ‖a‖ (directions: root mean square of a·v)
  double numeric_norm = 0.0;    // ‖n‖ (likewise)
  size_t checked = 0;           // entries, or directions
  std::string worst;            // the entry (or direction) with the largest |a − n|, both values
};

// dL/dx at x = 0 from loss_at(x), the loss at offset x (loss_at(0) is the
// unperturbed loss): five-point central differences, refined on kinks.
double numeric_derivative(const std::function<double(double)>& loss_at);

// Compares analytic[0, size) with the finite differences of loss() in
// values[0, size), perturbing values in place and restoring them exactly.
GradientError gradient_error(const std::string& name, double* values, const double* analytic, size_t size,
                             const std::function<double()>& loss);
GradientError gradient_error(const std::string& name, std::vector<double>& values,
                             const std::vector<double>& analytic, const std::function<double()>& loss);

// GoogleTest assertion: relative_error < tolerance, naming the tensor and
// its worst entry on failure; `context` says which case this is.
void expect_gradient_matches(const GradientError& error, double tolerance, const std::string& context = "");
void expect_gradients_match(const std::vector<GradientError>& errors, double tolerance,
                            const std::string& context = "");

// Σ w_i·y_i: the scalar loss a test builds from a layer's output y.
double weighted_sum(const std::vector<double>& w, const std::vector<double>& y);

}  // namespace pebench::testing
