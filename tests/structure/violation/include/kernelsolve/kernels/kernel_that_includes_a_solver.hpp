// A fixture of structure_header_floors_catches_a_violation: a kernel-floor header that includes a solver header, which
// check_floors.cmake must report. Never compiled.
#pragma once

#include <kernelsolve/error.hpp>
#include <kernelsolve/solver/cg.hpp>
