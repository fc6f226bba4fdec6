// kernelsolve: matrix-free, MPI-distributed solves of (K + alpha I) c = b for kernel matrices K on Kokkos.
// This umbrella header includes every public header.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/formula/kernel_formula.hpp>
#include <kernelsolve/geometry/overlapping_cells.hpp>
#include <kernelsolve/geometry/spatial_order.hpp>
#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/kernels/kernel_reach.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/kernels/visit_kernel.hpp>
#include <kernelsolve/operator/cutoff_operator.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/operator/linear_operator.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/operator/truncation.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/cutoff_summary.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>  // its definitions: link kernelsolve::runtime
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/nystrom_options.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/preconditioner.hpp>
#include <kernelsolve/solver/preconditioner_choice.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>
#include <kernelsolve/solver/refinement_options.hpp>
#include <kernelsolve/solver/schwarz_options.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>
#include <kernelsolve/solver/solve_result.hpp>
#include <kernelsolve/solver/solver_concept.hpp>
#include <kernelsolve/solver/stop_token.hpp>
#include <kernelsolve/solver/two_level_preconditioner.hpp>
#include <kernelsolve/version.hpp>
