"""kernelsolve's exceptions and warnings (the compiled core raises the first three for the C++ library's errors)."""


class InvalidArgument(ValueError):
    """A bad argument: the message names the value. Raised on every rank of the communicator alike."""


class DimensionMismatch(InvalidArgument):
    """Arrays whose shapes do not fit together (rows, dimension, columns)."""


class FormulaError(InvalidArgument):
    """A KeOps formula that kernelsolve cannot read or that is none of its kernel families.

    ``str()`` is the three-line message with a caret under the offending part; ``formula``, ``problem``,
    ``column`` (0-based) and ``length`` locate it.
    """

    def __init__(self, message, formula="", problem="", column=0, length=0):
        super().__init__(message)
        self.formula = formula
        self.problem = problem
        self.column = column
        self.length = length


class ConvergenceWarning(UserWarning):
    """A solve stopped before its tolerance (``on_failure="warn"``, the default). The result says why."""


class ConvergenceError(RuntimeError):
    """A solve stopped before its tolerance (``on_failure="raise"``); ``result`` is its SolveResult."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result
