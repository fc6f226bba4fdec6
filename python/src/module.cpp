// kernelsolve._core: the run-time facade (runtime/kernel_solver.hpp) for Python. Arrays cross as C-contiguous float64
// NumPy arrays (the Python layer checks dtypes and shapes and makes the one conversion); every long or collective
// call releases the GIL; library errors become kernelsolve's Python exceptions (kernelsolve/_errors.py).
#include "runtime.hpp"

#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/formula/formula_error.hpp>
#include <kernelsolve/formula/kernel_formula.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/version.hpp>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace kernelsolve::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> to_vector(Array const& array) {
  std::vector<double> values(static_cast<std::size_t>(array.size()));
  if (!values.empty()) std::memcpy(values.data(), array.data(), values.size() * sizeof(double));
  return values;
}

Array to_array(std::vector<double> const& values, std::int64_t rows, std::int64_t columns) {
  Array array({rows, columns});
  if (!values.empty()) std::memcpy(array.mutable_data(), values.data(), values.size() * sizeof(double));
  return array;
}

template <class T>
py::array_t<T> to_1d(std::vector<T> const& values) {
  py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

py::dict to_dict(SolveResult const& result) {
  py::dict d;
  d["iterations"] = result.iterations;
  d["column_iterations"] = to_1d(result.column_iterations);
  std::vector<int> codes;
  py::list reasons;
  for (auto reason : result.reasons) {
    codes.push_back(static_cast<int>(reason));
    reasons.append(to_string(reason));
  }
  d["reason_codes"] = to_1d(codes);
  d["reasons"] = py::tuple(reasons);
  d["relative_residuals"] = to_1d(result.relative_residuals);
  d["recursive_residuals"] = to_1d(result.recursive_residuals);
  d["true_residual_checks"] = result.true_residual_checks;
  d["residual_replacements"] = result.residual_replacements;
  py::list steps;
  for (auto const& step : result.refinement_steps) {
    steps.append(py::make_tuple(step.inner_iterations, to_1d(step.relative_residuals)));
  }
  d["refinement_steps"] = steps;
  return d;
}

py::dict to_dict(CutoffSummary const& s) {
  py::dict d;
  d["truncation"] = s.truncation;
  d["cutoff_radius"] = s.cutoff_radius;
  d["dropped_row_sum"] = s.dropped_row_sum;
  d["dropped_gradient_row_sum"] = s.dropped_gradient_row_sum;
  d["dropped_parameter_row_sum"] = s.dropped_parameter_row_sum;
  d["exact"] = s.exact;
  d["kept_pairs"] = s.kept_pairs;
  d["pairs"] = s.pairs;
  d["source_ranges"] = s.source_ranges;
  return d;
}

py::object to_object(std::optional<CutoffSummary> const& s) {
  return s ? py::object(to_dict(*s)) : py::object(py::none());
}

/// Calls a Python monitor(iteration, relative_residuals) with the GIL; an exception it raises is kept, not thrown
/// through the collective solve, and raised once the solve is over.
class PythonMonitor final : public SolveMonitor {
 public:
  explicit PythonMonitor(py::object callback) : callback_(std::move(callback)) {}
  void on_iteration(int iteration, std::vector<double> const& relative_residuals) override {
    py::gil_scoped_acquire gil;
    if (error_) return;
    try {
      callback_(iteration, to_1d(relative_residuals));
    } catch (py::error_already_set& e) {
      error_ = std::make_unique<py::error_already_set>(std::move(e));
    }
  }
  void rethrow() {
    if (error_) {
      auto error = std::move(error_);
      throw py::error_already_set(std::move(*error));
    }
  }

 private:
  py::object callback_;
  std::unique_ptr<py::error_already_set> error_;
};

StoppingCriteria criteria_of(double rtol, double atol, int max_iterations) {
  StoppingCriteria criteria;
  criteria.relative_tolerance = rtol;
  criteria.absolute_tolerance = atol;
  criteria.max_iterations = max_iterations;
  return criteria;
}

/// A KernelSolver registered with the runtime, so that one still alive at interpreter exit is released before
/// Kokkos and MPI are finalized.
class Solver final : public Resource {
 public:
  Solver(long long comm_handle, Array const& points, int dimension, std::string const& family, double g,
         std::string const& precision, double alpha, std::string const& preconditioner, NystromOptions const& nystrom,
         SchwarzOptions const& schwarz, RefinementOptions const& refinement, double schwarz_reach_fraction,
         std::optional<double> truncation, bool spatial_order) {
    require_owner_thread();
    KernelSolverOptions options;
    options.kernel = KernelSpec{kernel_family_from_name(family), g};
    options.precision = precision_from_name(precision);
    options.alpha = alpha;
    options.preconditioner = preconditioner_kind_from_name(preconditioner);
    options.nystrom = nystrom;
    options.schwarz = schwarz;
    options.refinement = refinement;
    options.schwarz_reach_fraction = schwarz_reach_fraction;
    options.truncation = truncation;
    options.spatial_order = spatial_order;
    auto const rows = to_vector(points);
    MPI_Comm const comm = communicator_of(comm_handle);
    py::gil_scoped_release released;
    solver_ = std::make_unique<KernelSolver>(comm, options, rows, dimension);
    dimension_ = dimension;
  }

  void release() noexcept override { solver_.reset(); }

  KernelSolver& get() {
    require_owner_thread();
    if (!solver_) throw std::runtime_error("kernelsolve: the solver was closed (or kernelsolve was finalized)");
    return *solver_;
  }

  void setup_preconditioner() {
    auto& solver = get();
    py::gil_scoped_release released;
    solver.setup_preconditioner();
  }

  py::tuple solve(Array const& b, int columns, double rtol, double atol, int max_iterations, py::object monitor) {
    auto& solver = get();
    auto const rhs = to_vector(b);
    std::vector<double> c;
    std::optional<PythonMonitor> python_monitor;
    if (!monitor.is_none()) python_monitor.emplace(monitor);
    SolveResult result;
    {
      py::gil_scoped_release released;
      result = solver.solve(rhs, columns, c, criteria_of(rtol, atol, max_iterations),
                            python_monitor ? &*python_monitor : nullptr);
    }
    if (python_monitor) python_monitor->rethrow();
    return py::make_tuple(to_array(c, solver.local_rows(), columns), to_dict(result));
  }

  py::dict gradient(Array const& c, Array const& e, int columns, double rtol, double atol, int max_iterations,
                    py::object monitor) {
    auto& solver = get();
    auto const coefficients = to_vector(c);
    auto const cotangent = to_vector(e);
    std::optional<PythonMonitor> python_monitor;
    if (!monitor.is_none()) python_monitor.emplace(monitor);
    KernelSolverGradient gradient;
    {
      py::gil_scoped_release released;
      gradient = solver.gradient(coefficients, cotangent, columns, criteria_of(rtol, atol, max_iterations),
                                 python_monitor ? &*python_monitor : nullptr);
    }
    if (python_monitor) python_monitor->rethrow();
    auto const rows = solver.local_rows();
    py::dict d;
    d["right_hand_sides"] = to_array(gradient.right_hand_sides, rows, columns);
    d["points"] = to_array(gradient.points, rows, dimension_);
    d["points_as_targets"] = to_array(gradient.points_as_targets, rows, dimension_);
    d["points_as_sources"] = to_array(gradient.points_as_sources, rows, dimension_);
    d["ridge"] = gradient.ridge;
    d["kernel_parameter"] = gradient.kernel_parameter;
    d["adjoint"] = to_dict(gradient.adjoint);
    d["cutoff"] = to_object(gradient.cutoff);
    return d;
  }

  Array predict(Array const& c, int columns, Array const& new_points) {
    auto& solver = get();
    auto const coefficients = to_vector(c);
    auto const at = to_vector(new_points);
    std::vector<double> values;
    {
      py::gil_scoped_release released;
      values = solver.predict(coefficients, columns, at);
    }
    return to_array(values, static_cast<std::int64_t>(at.size()) / std::max(dimension_, 1), columns);
  }

  Array gather(Array const& local, int columns) {
    auto& solver = get();
    auto const values = to_vector(local);
    std::vector<double> all;
    {
      py::gil_scoped_release released;
      all = solver.gather_rows(values, columns);
    }
    return to_array(all, solver.global_rows(), columns);
  }

  py::object preconditioner_choice() {
    auto const choice = get().preconditioner_choice();
    if (!choice) return py::none();
    return py::make_tuple(std::string(to_string(choice->kind)), choice->reason);
  }

  py::object nystrom_summary() {
    auto const s = get().preconditioner_summary();
    if (!s) return py::none();
    py::dict d;
    d["rank"] = s->rank;
    d["automatic"] = s->automatic;
    d["rank_reason"] = s->rank_reason;
    d["initial_trace"] = s->initial_trace;
    d["residual_trace"] = s->residual_trace;
    d["residual_norm_estimate"] = s->residual_norm_estimate;
    d["residual_norm_estimate_rank"] = s->residual_norm_estimate_rank;
    d["estimated_iterations"] = s->estimated_iterations;
    d["shift"] = s->shift;
    d["rounds"] = s->rounds;
    d["candidates"] = s->candidates;
    d["setup_seconds"] = s->setup_seconds;
    d["factor_bytes"] = s->factor_bytes;
    return d;
  }

  py::object schwarz_summary() {
    auto const s = get().schwarz_summary();
    if (!s) return py::none();
    py::dict d;
    d["cells"] = s->cells;
    d["local_cells"] = s->local_cells;
    d["mean_block_points"] = s->mean_block_points;
    d["max_block_points"] = s->max_block_points;
    d["capped_blocks"] = s->capped_blocks;
    d["mean_points_in_reach"] = s->mean_points_in_reach;
    d["overlap"] = s->overlap;
    d["overlap_reason"] = s->overlap_reason;
    d["shift"] = s->shift;
    d["factor_bytes"] = s->factor_bytes;
    d["factor_entry_bytes"] = s->factor_entry_bytes;
    d["setup_seconds"] = s->setup_seconds;
    return d;
  }

  py::dict phase_timings() {
    py::dict d;
    auto const& timings = get().phase_timings();
    for (Phase phase : all_phases) d[py::str(std::string(to_string(phase)))] = timings.seconds(phase);
    return d;
  }

  py::dict phase_statistics(long long comm_handle) {
    auto const& timings = get().phase_timings();
    std::vector<PhaseStatistics> statistics;
    {
      py::gil_scoped_release released;
      statistics = statistics_over_ranks(timings, communicator_of(comm_handle));
    }
    py::dict d;
    for (auto const& s : statistics) {
      py::dict entry;
      entry["calls"] = s.calls;
      entry["min_seconds"] = s.min_seconds;
      entry["mean_seconds"] = s.mean_seconds;
      entry["max_seconds"] = s.max_seconds;
      d[py::str(std::string(to_string(s.phase)))] = entry;
    }
    return d;
  }

  void reset_timings() { get().phase_timings().reset(); }

 private:
  std::unique_ptr<KernelSolver> solver_;
  int dimension_ = 0;
};

/// Every rank learns whether any rank failed a check of its own rows, and the lowest failing rank's message, so that
/// all ranks raise the same error instead of some waiting in the next collective.
py::object agree(long long comm_handle, bool failed, std::string const& message) {
  require_owner_thread();
  MPI_Comm const comm = communicator_of(comm_handle);
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int const mine = failed ? rank : size;
  int first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return py::none();
  unsigned long long length = rank == first ? message.size() : 0;
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, first, comm);
  std::string text = rank == first ? message : std::string(length, ' ');
  MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, first, comm);
  return py::make_tuple(first, text);
}

/// Every rank's rows of a rows x columns array, in rank order, on every rank (MPI_Allgatherv).
Array allgather(long long comm_handle, Array const& local) {
  require_owner_thread();
  if (local.ndim() != 2) throw std::invalid_argument("kernelsolve: allgather takes a 2-D array");
  MPI_Comm const comm = communicator_of(comm_handle);
  auto const columns = local.shape(1);
  auto const values = to_vector(local);
  int size = 1;
  MPI_Comm_size(comm, &size);
  long long const mine = static_cast<long long>(values.size());
  std::vector<long long> counts(static_cast<std::size_t>(size));
  std::vector<double> all;
  {
    py::gil_scoped_release released;
    MPI_Allgather(&mine, 1, MPI_LONG_LONG, counts.data(), 1, MPI_LONG_LONG, comm);
    std::vector<int> sizes(counts.size()), offsets(counts.size());
    long long total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (total + counts[r] > std::numeric_limits<int>::max())
        throw std::overflow_error("kernelsolve: allgather of over 2^31 values");
      sizes[r] = static_cast<int>(counts[r]);
      offsets[r] = static_cast<int>(total);
      total += counts[r];
    }
    all.resize(static_cast<std::size_t>(total));
    MPI_Allgatherv(values.data(), static_cast<int>(mine), MPI_DOUBLE, all.data(), sizes.data(), offsets.data(),
                   MPI_DOUBLE, comm);
  }
  auto const rows = columns > 0 ? static_cast<std::int64_t>(all.size()) / columns : 0;
  return to_array(all, rows, columns);
}

py::object python_error(char const* name) {
  return py::module_::import("kernelsolve._errors").attr(name);
}

}  // namespace
}  // namespace kernelsolve::python

PYBIND11_MODULE(_core, m) {
  using namespace kernelsolve;
  using namespace kernelsolve::python;
  m.doc() = "kernelsolve's compiled core: the run-time facade KernelSolver and the process-wide runtime";
  m.attr("__version__") = version_string;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (FormulaError const& e) {
      py::object error = python_error("FormulaError")(e.what(), e.formula(), e.problem(), e.column(), e.length());
      PyErr_SetObject(error.get_type().ptr(), error.ptr());
    } catch (DimensionMismatch const& e) {
      PyErr_SetString(python_error("DimensionMismatch").ptr(), e.what());
    } catch (InvalidArgument const& e) {
      PyErr_SetString(python_error("InvalidArgument").ptr(), e.what());
    }
  });

  m.def(
      "initialize",
      [](std::optional<int> num_threads, bool disable_warnings) {
        initialize(StartOptions{num_threads, disable_warnings});
      },
      py::arg("num_threads") = py::none(), py::arg("disable_warnings") = true);
  m.def("finalize", [] {
    require_owner_thread();
    finalize();
  });
  m.def("is_initialized", &is_initialized);
  m.def("is_finalized", &is_finalized);
  m.def("owns_mpi", &owns_mpi);
  m.def("mpi_library_version", &mpi_library_version);
  m.def("comm_rank_size", [](long long handle) {
    MPI_Comm const comm = communicator_of(handle);
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    return py::make_tuple(rank, size);
  });
  m.def("allgather", &allgather, py::arg("comm"), py::arg("local"));
  m.def("agree", &agree, py::arg("comm"), py::arg("failed"), py::arg("message"));
  m.def("build_info", [] {
    py::dict d;
    d["version"] = version_string;
    d["kokkos_version"] = std::to_string(KOKKOS_VERSION / 10000) + "." + std::to_string(KOKKOS_VERSION / 100 % 100) +
                          "." + std::to_string(KOKKOS_VERSION % 100);
    d["execution_space"] = Kokkos::DefaultExecutionSpace::name();
    d["concurrency"] =
        is_initialized() ? py::object(py::int_(Kokkos::DefaultExecutionSpace().concurrency())) : py::object(py::none());
#ifdef KERNELSOLVE_ENABLE_GPU_AWARE_MPI
    d["gpu_aware_mpi"] = true;
#else
    d["gpu_aware_mpi"] = false;
#endif
    py::list families, precisions;
    for (auto family : all_kernel_families) families.append(std::string(to_string(family)));
    for (auto precision : {Precision::float32, Precision::float64, Precision::mixed})
      precisions.append(std::string(to_string(precision)));
    d["families"] = py::tuple(families);
    d["precisions"] = py::tuple(precisions);
    return d;
  });

  // The library's vocabulary (runtime/kernel_solver.hpp, kernels/kernel_family.hpp): the Python layer takes its names
  // from here, as the app does.
  m.def("precision_from_name",
        [](std::string const& name) { return std::string(to_string(precision_from_name(name))); });
  m.def("preconditioner_from_name",
        [](std::string const& name) { return std::string(to_string(preconditioner_kind_from_name(name))); });
  m.def("kernel_family_names", &kernel_family_names);
  {
    py::list precisions, preconditioners, families;
    for (auto name : precision_names) precisions.append(std::string(name));
    for (auto kind : all_preconditioner_kinds) preconditioners.append(std::string(to_string(kind)));
    for (auto family : all_kernel_families) families.append(std::string(to_string(family)));
    m.attr("precision_names") = py::tuple(precisions);
    m.attr("preconditioner_names") = py::tuple(preconditioners);
    m.attr("families") = py::tuple(families);
  }
  m.def("family_from_name",
        [](std::string const& name) { return std::string(to_string(kernel_family_from_name(name))); });
  m.def("formula_of", [](std::string const& name) { return std::string(formula_of(kernel_family_from_name(name))); });
  m.def("g_from_sigma",
        [](std::string const& family, double sigma) { return g_from_sigma(kernel_family_from_name(family), sigma); });
  m.def("sigma_from_g",
        [](std::string const& family, double g) { return sigma_from_g(kernel_family_from_name(family), g); });
  m.def("evaluate_profile", [](std::string const& family, py::array_t<double, py::array::forcecast> u) {
    auto const f = kernel_family_from_name(family);
    py::array_t<double> out(u.request().shape);
    auto const* in = u.data();
    auto* values = out.mutable_data();
    for (py::ssize_t i = 0; i < u.size(); ++i) values[i] = evaluate_profile(f, in[i]);
    return out;
  });
  m.def(
      "parse_formula",
      [](std::string const& formula, std::map<std::string, double, std::less<>> const& parameters) {
        auto const parsed = parse_kernel_formula(formula, parameters);
        py::dict d;
        d["family"] = std::string(to_string(parsed.kernel.family));
        d["g"] = parsed.kernel.g;
        d["i_variable"] = parsed.i_variable;
        d["j_variable"] = parsed.j_variable;
        d["weight_variable"] = parsed.weight_variable;
        return d;
      },
      py::arg("formula"), py::arg("parameters"));

  py::class_<NystromOptions>(m, "NystromOptions", "How the Nystrom preconditioner chooses its rank and pivots")
      .def(py::init<>())
      .def_readwrite("rank", &NystromOptions::rank)
      .def_readwrite("trace_factor", &NystromOptions::auto_trace_factor)
      .def_readwrite("relative_trace", &NystromOptions::auto_relative_trace)
      .def_readwrite("max_rank", &NystromOptions::auto_max_rank)
      .def_readwrite("cost_rule", &NystromOptions::auto_cost_rule)
      .def_readwrite("iteration_constant", &NystromOptions::auto_iteration_constant)
      .def_readwrite("block_size", &NystromOptions::block_size)
      .def_readwrite("seed", &NystromOptions::seed)
      .def_readwrite("memory_budget_bytes", &NystromOptions::memory_budget_bytes);
  py::class_<SchwarzOptions>(m, "SchwarzOptions", "How the Schwarz preconditioner cuts the points into blocks")
      .def(py::init<>())
      .def_readwrite("cell_points", &SchwarzOptions::cell_points)
      .def_readwrite("overlap", &SchwarzOptions::overlap)
      .def_readwrite("overlap_kernel_fraction", &SchwarzOptions::overlap_kernel_fraction)
      .def_readwrite("max_block_points", &SchwarzOptions::max_block_points)
      .def_readwrite("memory_budget_bytes", &SchwarzOptions::memory_budget_bytes);
  py::class_<RefinementOptions>(m, "RefinementOptions", "How the inner solves of iterative refinement stop")
      .def(py::init<>())
      .def_readwrite("inner_rtol", &RefinementOptions::inner_relative_tolerance)
      .def_readwrite("truncated_inner_rtol", &RefinementOptions::truncated_inner_relative_tolerance)
      .def_readwrite("remaining_reduction_margin", &RefinementOptions::remaining_reduction_margin);

  py::class_<Solver>(m, "Solver")
      .def(py::init<long long, Array const&, int, std::string const&, double, std::string const&, double,
                    std::string const&, NystromOptions const&, SchwarzOptions const&, RefinementOptions const&, double,
                    std::optional<double>, bool>(),
           py::arg("comm"), py::arg("points"), py::arg("dimension"), py::arg("family"), py::arg("g"),
           py::arg("precision"), py::arg("alpha"), py::arg("preconditioner"), py::arg("nystrom"), py::arg("schwarz"),
           py::arg("refinement"), py::arg("schwarz_reach_fraction"), py::arg("truncation"), py::arg("spatial_order"))
      .def("setup_preconditioner", &Solver::setup_preconditioner)
      .def("solve", &Solver::solve, py::arg("b"), py::arg("columns"), py::arg("rtol"), py::arg("atol"),
           py::arg("max_iter"), py::arg("monitor"))
      .def("gradient", &Solver::gradient, py::arg("c"), py::arg("e"), py::arg("columns"), py::arg("rtol"),
           py::arg("atol"), py::arg("max_iter"), py::arg("monitor"))
      .def("predict", &Solver::predict, py::arg("c"), py::arg("columns"), py::arg("new_points"))
      .def("gather", &Solver::gather, py::arg("local"), py::arg("columns"))
      .def("release", &Solver::release)
      .def("preconditioner_choice", &Solver::preconditioner_choice)
      .def("nystrom_summary", &Solver::nystrom_summary)
      .def("schwarz_summary", &Solver::schwarz_summary)
      .def("cutoff_summary", [](Solver& s) { return to_object(s.get().cutoff_summary()); })
      .def("phase_timings", &Solver::phase_timings)
      .def("phase_statistics", &Solver::phase_statistics, py::arg("comm"))
      .def("reset_timings", &Solver::reset_timings)
      .def_property_readonly("global_rows", [](Solver& s) { return s.get().global_rows(); })
      .def_property_readonly("local_rows", [](Solver& s) { return s.get().local_rows(); })
      .def_property_readonly("first_row", [](Solver& s) { return s.get().first_row(); });
}
