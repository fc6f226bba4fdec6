"""What the KeOps drop-ins (kernelsolve.numpy, kernelsolve.torch) share: KeOps' alias grammar, which argument
plays which role in the formula, KeOps' stopping test mapped onto per-column true-residual verdicts, and the solve
itself over NumPy arrays.

KeOps' KernelSolve (pykeops 2.3) runs plain CG until the recursive ||R||_F^2 < numel(b) eps^2 (eps = 1e-6) and
claims nothing else: about 1e-6 relative residual, errors of 1e-4 to 1e-3 in c on the seed's problem. Here the
default is kernelsolve's: each column stops when its *true* relative residual ||b_k - A c_k|| / ||b_k|| <= 1e-10 for
float64 inputs, 1e-7 for float32 ones (about their own rounding; solved in mixed precision), 1e-3 with
precision="float32", preconditioned. An explicit eps= is KeOps' rule, per
column: ||b_k - A c_k|| <= eps sqrt(N) (which implies KeOps' joint test). Every solve has an iteration cap and a
reason per column (SolveResult).
"""

import math
import re
import warnings

import numpy as np

from ._errors import InvalidArgument
from ._results import check_on_failure
from ._replicated import ReplicatedSolver
from ._solver import default_rtol, parse_formula, precision_name

__all__ = ["Alias", "parse_aliases", "KeOpsPlan"]

_CATEGORIES = {"Vi": 0, "Vx": 0, "Vj": 1, "Vy": 1, "Pm": 2}
_CATEGORY_NAMES = ("Vi", "Vj", "Pm")
_NAMED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(Vi|Vj|Vx|Vy|Pm)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$")
_BARE = re.compile(r"^\s*(Vi|Vj|Vx|Vy|Pm)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*$")
_VAR = re.compile(r"^\s*Var\s*\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)\s*$")


class Alias:
    """One KeOps alias: name (None for bare Vi(pos,dim)), position in the call, dimension, category 0/1/2."""

    __slots__ = ("name", "position", "dimension", "category")

    def __init__(self, name, position, dimension, category):
        self.name, self.position, self.dimension, self.category = name, position, dimension, category

    def __repr__(self):
        return f"{self.name} = {_CATEGORY_NAMES[self.category]}({self.position},{self.dimension})"


def parse_aliases(aliases):
    """KeOps' alias strings -> Alias list, in call order: "x = Vi(2)", "x = Vi(0,2)", "Vi(0,2)", "Var(0,2,0)"."""
    if isinstance(aliases, str) or not all(isinstance(a, str) for a in aliases):
        raise TypeError("aliases must be a list of strings such as ['x = Vi(2)', 'y = Vj(2)', 'b = Vj(1)']")
    parsed, next_position = [], 0
    for text in aliases:
        named, bare, var = _NAMED.match(text), _BARE.match(text), _VAR.match(text)
        if named:
            name, category = named.group(1), _CATEGORIES[named.group(2)]
            if named.group(4) is None:
                position, dimension = next_position, int(named.group(3))
            else:
                position, dimension = int(named.group(3)), int(named.group(4))
        elif bare:
            name, category = None, _CATEGORIES[bare.group(1)]
            position, dimension = int(bare.group(2)), int(bare.group(3))
        elif var:
            name, position, dimension, category = None, int(var.group(1)), int(var.group(2)), int(var.group(3))
            if category not in (0, 1, 2):
                raise InvalidArgument(f"alias {text!r}: the category must be 0 (Vi), 1 (Vj) or 2 (Pm)")
        else:
            raise InvalidArgument(f"alias {text!r} is not one of 'name = Vi(dim)', 'name = Vi(pos,dim)', "
                                  "'Vi(pos,dim)', 'Var(pos,dim,cat)' (Vj and Pm alike)")
        if dimension < 1:
            raise InvalidArgument(f"alias {text!r}: the dimension must be >= 1")
        parsed.append(Alias(name, position, dimension, category))
        next_position = position + 1
    positions = sorted(a.position for a in parsed)
    if positions != list(range(len(parsed))):
        raise InvalidArgument(f"the alias positions {positions} must be 0, 1, ..., {len(parsed) - 1}")
    names = [a.name for a in parsed if a.name]
    if len(set(names)) != len(names):
        raise InvalidArgument(f"the alias names {names} must differ")
    return sorted(parsed, key=lambda a: a.position)


def inverted_position(aliases, varinvalias):
    """KeOps' rule: "Var(pos,...)" gives the position, otherwise the alias whose name is varinvalias."""
    if not isinstance(varinvalias, str):
        raise TypeError(f"varinvalias must be a str, got {type(varinvalias).__name__}")
    if varinvalias.strip().startswith("Var("):
        match = re.match(r"\s*Var\s*\(\s*(\d+)", varinvalias)
        if match is None:
            raise InvalidArgument(f"varinvalias {varinvalias!r}: expected 'Var(pos,dim,cat)'")
        return int(match.group(1))
    for alias in aliases:
        if alias.name == varinvalias:
            return alias.position
    raise InvalidArgument(f"varinvalias {varinvalias!r} names none of the aliases "
                          f"{[a.name for a in aliases if a.name]}")


class KeOpsPlan:
    """A KeOps KernelSolve(formula, aliases, varinvalias, axis) as kernelsolve runs it.

    Built once from the constructor's arguments; `roles` reads a call's arguments (arrays of one dtype) and says
    which argument is the target points, the source points, the weights b and each Pm parameter.
    """

    def __init__(self, formula, aliases, varinvalias, axis, *, precision=None, preconditioner="auto", nystrom=None,
                 schwarz=None, truncation=None, comm=None, on_failure="warn"):
        if not isinstance(formula, str):
            raise TypeError(f"the formula must be a str, got {type(formula).__name__}")
        if axis not in (0, 1):
            raise InvalidArgument(f"axis must be 0 (reduce over i, a Vj output) or 1 (reduce over j, a Vi "
                                  f"output), got {axis!r}")
        self.formula, self.axis = formula, axis
        self.aliases = parse_aliases(aliases)
        self.inverted = inverted_position(self.aliases, varinvalias)
        self.precision = None if precision is None else precision_name(precision)
        self.comm, self.on_failure = comm, on_failure
        self.solver_options = dict(preconditioner=preconditioner, nystrom=nystrom, schwarz=schwarz,
                                   truncation=truncation)

    def _named(self):
        return {a.name: a for a in self.aliases if a.name}

    def identify(self, parameter_values):
        """(family, g, target alias, source alias) of the formula at these Pm values ({name: float})."""
        parsed = parse_formula(self.formula, parameter_values)
        named = self._named()
        for variable in (parsed.i_variable, parsed.j_variable, parsed.weight_variable):
            if variable not in named:
                raise InvalidArgument(f"the formula's variable {variable!r} is none of the aliases {list(named)}")
        i_alias, j_alias, weight = named[parsed.i_variable], named[parsed.j_variable], named[parsed.weight_variable]
        if weight.position != self.inverted:
            raise InvalidArgument(f"the formula's weight is {weight.name!r}, but varinvalias names position "
                                  f"{self.inverted}: kernelsolve inverts K in K(x, y) * b for b the weight")
        output_category = 0 if self.axis == 1 else 1  # axis=1 sums over j: a Vi output
        source_category = 1 - output_category
        if {i_alias.category, j_alias.category} != {0, 1}:
            raise InvalidArgument(f"SqDist({i_alias.name}, {j_alias.name}): one must be a Vi and the other a Vj "
                                  "variable")
        target = i_alias if i_alias.category == output_category else j_alias
        source = j_alias if target is i_alias else i_alias
        if weight.category != source_category:
            raise InvalidArgument(f"with axis={self.axis} the weight {weight.name!r} must be a "
                                  f"{_CATEGORY_NAMES[source_category]} variable")
        used = {target.position, source.position, weight.position}
        used |= {a.position for a in self.aliases if a.category == 2}
        unused = [a.name or repr(a) for a in self.aliases if a.position not in used]
        if unused:
            raise InvalidArgument(f"the aliases {unused} are not used by the formula")
        if target.dimension != source.dimension:
            raise InvalidArgument(f"{target.name} and {source.name} must have the same dimension")
        return parsed.family, parsed.g, target, source

    def check_call(self, args, backend, ranges, shape_of, dtype_of):
        """Checks a call's arguments (shape_of/dtype_of read an argument); returns the dtype name."""
        if len(args) != len(self.aliases):
            raise InvalidArgument(f"KernelSolve takes {len(self.aliases)} arguments (one per alias: "
                                  f"{self.aliases}), got {len(args)}")
        if ranges is not None:
            raise NotImplementedError("ranges= (KeOps' block-sparse reductions) is not supported; kernelsolve's "
                                      "truncation= option cuts the pairs below a kernel tolerance instead")
        if backend not in ("auto", "CPU", "GPU", "GPU_1D", "GPU_2D"):
            raise InvalidArgument(f"unknown backend {backend!r}")
        dtypes = {dtype_of(a) for a in args}
        if len(dtypes) != 1:
            raise TypeError(f"all arguments must have the same dtype, got {sorted(dtypes)}")
        dtype = dtypes.pop()
        if dtype not in ("float32", "float64"):
            raise TypeError(f"the arguments must be float32 or float64, got {dtype}")
        rows = {0: set(), 1: set()}
        for alias, arg in zip(self.aliases, args):
            shape = shape_of(arg)
            if alias.category == 2:
                if shape != (alias.dimension,):
                    raise InvalidArgument(f"argument {alias.position} ({alias}) must have shape "
                                          f"({alias.dimension},), got {shape}")
                continue
            if len(shape) != 2 or shape[1] != alias.dimension:
                raise InvalidArgument(f"argument {alias.position} ({alias}) must have shape (rows, "
                                      f"{alias.dimension}), got {shape}")
            rows[alias.category].add(shape[0])
        for category in (0, 1):
            if len(rows[category]) > 1:
                raise InvalidArgument(f"the {_CATEGORY_NAMES[category]} arguments have different row counts "
                                      f"{sorted(rows[category])}")
        return dtype

    def parameter_values(self, arrays):
        """{name: value} of the Pm(1) arguments (NumPy arrays in call order)."""
        values = {}
        for alias, array in zip(self.aliases, arrays):
            if alias.category == 2:
                if alias.dimension != 1:
                    raise InvalidArgument(f"parameter {alias}: kernelsolve's formulas take scalar parameters "
                                          "Pm(1)")
                values[alias.name] = float(array[0])
        return values

    def precision_for(self, dtype):
        if self.precision is not None:
            return self.precision
        return "mixed" if dtype == "float32" else "float64"

    def criteria(self, rows, dtype, eps, rtol, atol, max_iter):
        """rtol/atol when given; else an explicit eps as KeOps' rule, a per-column absolute tolerance eps sqrt(N) on
        the true residual; else (eps None, the default) the precision's default relative tolerance."""
        if rtol is not None or atol is not None:
            return dict(rtol=0.0 if rtol is None else float(rtol), atol=0.0 if atol is None else float(atol),
                        max_iter=max_iter)
        if eps is None:
            precision = self.precision_for(dtype)
            # float32 out: a relative residual of 1e-7 is about the rounding of the float32 result itself
            rtol = 1e-7 if dtype == "float32" and precision == "mixed" else default_rtol(precision)
            return dict(rtol=rtol, atol=0.0, max_iter=max_iter)
        if not eps > 0:
            raise InvalidArgument(f"eps must be > 0 (or None, or give rtol= / atol=), got {eps!r}")
        return dict(rtol=0.0, atol=float(eps) * math.sqrt(max(rows, 1)), max_iter=max_iter)

    def build(self, arrays, alpha):
        """(ReplicatedSolver, target alias, source alias, weight alias) for NumPy arguments in call order."""
        family, g, target, source = self.identify(self.parameter_values(arrays))
        x_target, x_source = arrays[target.position], arrays[source.position]
        if x_target is not x_source and not np.array_equal(x_target, x_source):
            raise InvalidArgument(f"kernelsolve solves (K(x, x) + alpha I) c = b: the points {target.name!r} and "
                                  f"{source.name!r} must be the same points (KeOps would run CG on a non-square "
                                  "or non-symmetric system)")
        dtype = str(arrays[self.inverted].dtype)
        solver = ReplicatedSolver(x_source, comm=self.comm, kernel=family, gamma=g, alpha=float(alpha),
                                  precision=self.precision_for(dtype), **self.solver_options)
        return solver, target, source, self.aliases[self.inverted]

    def parameter_derivatives(self, arrays):
        """dg/dp for each Pm(1) parameter p, by a central difference of the parser's g (it identifies g
        numerically, so g(p) has no closed form here); 1 for a formula written with g itself."""
        values = self.parameter_values(arrays)
        derivatives = {}
        for name, value in values.items():
            step = 1e-6 * max(abs(value), 1e-300)
            up, down = dict(values), dict(values)
            up[name], down[name] = value + step, value - step
            g_up = parse_formula(self.formula, up).g
            g_down = parse_formula(self.formula, down).g
            derivatives[name] = (g_up - g_down) / (2 * step)
        return derivatives


def keops_plan(formula, aliases, varinvalias, axis, ignored, **extensions):
    """The plan of a KeOps KernelSolve constructor call; warns for each of KeOps' options that kernelsolve ignores
    (`ignored`: {name: (value, default)}) when it was given."""
    for name, (value, default) in ignored.items():
        if value != default:
            warnings.warn(f"kernelsolve: {name}={value!r} is accepted for KeOps compatibility and ignored "
                          "(kernelsolve's sums are fixed and reproducible)", stacklevel=3)
    extensions["on_failure"] = check_on_failure(extensions.get("on_failure", "warn"))
    return KeOpsPlan(formula, aliases, varinvalias, axis, **extensions)
