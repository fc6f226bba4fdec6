// The product and gradient loops of the built-in kernels that the kernelsolve::loops library compiles once, declared
// `extern template` for the targets that link it (which get KERNELSOLVE_PRECOMPILED_LOOPS): their translation units
// then call the library's copy instead of compiling the loops again. Without the macro (a header-only user of
// kernelsolve::kernelsolve) every loop is compiled where it is used, as for any user kernel.
//
// What is precompiled: for each family of KERNELSOLVE_KERNEL_FAMILIES (kernels/kernel_family_list.hpp) in float and
// double, on Kokkos::DefaultExecutionSpace over LoopMatrix operands (row_product.hpp): the full product, the cutoff
// product, the cutoff product in phases (DistributedOperator's overlapped gather), and the full and cutoff gradient
// sums. Those are every loop DistributedOperator, predict and solve_gradient run; other View types or spaces compile as
// before.
#pragma once

#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/detail/row_gradient.hpp>
#include <kernelsolve/product/detail/row_product.hpp>

#include <Kokkos_Core.hpp>

namespace kernelsolve::detail {

using PrecompiledSpace = Kokkos::DefaultExecutionSpace;
using PrecompiledMemory = PrecompiledSpace::memory_space;

/// The loops of kernel KERNEL (a functor type) precompiled by the library: `extern template` declarations with
/// EXTERN = extern, the explicit instantiations themselves (src/product/precompiled_loops.cpp.in) with it empty.
#define KERNELSOLVE_PRECOMPILED_LOOPS_OF(EXTERN, KERNEL)                                                      \
  EXTERN template void row_product_loops<source_lanes_v<PrecompiledSpace, KERNEL::value_type>>(               \
      PrecompiledSpace const&, KERNEL const&, LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&, \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type, PrecompiledMemory> const&, AllSources const&, NoCarry const&);           \
  EXTERN template void row_product_loops<source_lanes_v<PrecompiledSpace, KERNEL::value_type>>(               \
      PrecompiledSpace const&, KERNEL const&, LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&, \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type, PrecompiledMemory> const&, TileSourceRanges<PrecompiledMemory> const&,   \
      NoCarry const&);                                                                                        \
  EXTERN template void row_product_loops<source_lanes_v<PrecompiledSpace, KERNEL::value_type>>(               \
      PrecompiledSpace const&, KERNEL const&, LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&, \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type, PrecompiledMemory> const&,                                               \
      SourcePhase<TileSourceRanges<PrecompiledMemory>> const&,                                                \
      CarryBetweenPhases<Kokkos::View<KERNEL::value_type***, PrecompiledMemory>> const&);                     \
  EXTERN template void row_gradient_loops<source_lanes_v<PrecompiledSpace, KERNEL::value_type>>(              \
      PrecompiledSpace const&, KERNEL const&, LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&, \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type, PrecompiledMemory> const&,                                               \
      LoopVector<KERNEL::value_type, PrecompiledMemory> const&, AllSources const&);                           \
  EXTERN template void row_gradient_loops<source_lanes_v<PrecompiledSpace, KERNEL::value_type>>(              \
      PrecompiledSpace const&, KERNEL const&, LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&, \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type const, PrecompiledMemory> const&,                                         \
      LoopMatrix<KERNEL::value_type, PrecompiledMemory> const&,                                               \
      LoopVector<KERNEL::value_type, PrecompiledMemory> const&, TileSourceRanges<PrecompiledMemory> const&);

#if defined(KERNELSOLVE_PRECOMPILED_LOOPS)
#define KERNELSOLVE_DECLARE_PRECOMPILED_LOOPS(name, NAME)              \
  KERNELSOLVE_PRECOMPILED_LOOPS_OF(extern, ::kernelsolve::NAME<float>) \
  KERNELSOLVE_PRECOMPILED_LOOPS_OF(extern, ::kernelsolve::NAME<double>)
KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_DECLARE_PRECOMPILED_LOOPS)
#undef KERNELSOLVE_DECLARE_PRECOMPILED_LOOPS
#endif

}  // namespace kernelsolve::detail
