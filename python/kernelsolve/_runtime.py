"""The process-wide runtime: MPI and Kokkos started on first use, communicators, and checks agreed by all ranks."""

import threading

from . import _core
from ._errors import InvalidArgument

__all__ = ["initialize", "finalize", "is_initialized", "build_info", "Communicator"]

_START_LOCK = threading.Lock()


def initialize(num_threads=None, disable_warnings=True):
    """Starts MPI (unless running already, e.g. by mpi4py) and Kokkos; the first solver does it otherwise.

    ``num_threads``: OpenMP threads per rank (None: ``OMP_NUM_THREADS`` or all cores). Only the first call
    counts. Kokkos then runs on the calling thread only: call kernelsolve from that thread. Everything is
    finalized at interpreter exit (solvers still alive first, then Kokkos, then MPI if kernelsolve started it).
    """
    if num_threads is not None and (not isinstance(num_threads, int) or num_threads < 1):
        raise InvalidArgument(f"kernelsolve.initialize: num_threads must be a positive int, got {num_threads!r}")
    with _START_LOCK:
        _core.initialize(num_threads, disable_warnings)


def finalize():
    """Releases every solver, then finalizes Kokkos and (if kernelsolve started it) MPI. Irreversible."""
    _core.finalize()


def is_initialized():
    return _core.is_initialized()


def build_info():
    """Version, Kokkos version and execution space, families and precisions of this build."""
    return _core.build_info()


_BY_NAME = {"world": -1, "self": -2}


class Communicator:
    """An MPI communicator for kernelsolve: ``"world"``, ``"self"``, an mpi4py communicator, or another
    Communicator. mpi4py is optional; its communicators are passed by their Fortran handle.

    Copies (``copy``, ``deepcopy``, scikit-learn's ``clone``) are the same communicator; ``"world"`` and
    ``"self"`` pickle by name.
    """

    def __init__(self, comm="world"):
        if isinstance(comm, Communicator):
            self._handle, self._name, self._mpi4py = comm._handle, comm._name, comm._mpi4py
            return
        if isinstance(comm, str):
            if comm not in _BY_NAME:
                raise InvalidArgument(f"kernelsolve.Communicator: unknown communicator {comm!r} (known: 'world', "
                                      "'self', an mpi4py communicator)")
            self._handle, self._name, self._mpi4py = _BY_NAME[comm], comm, None
            return
        if hasattr(comm, "py2f") and hasattr(comm, "Get_rank"):
            from mpi4py import MPI

            if comm == MPI.COMM_NULL:
                raise InvalidArgument("kernelsolve.Communicator: the communicator is MPI.COMM_NULL")
            initialize()
            ours, theirs = _core.mpi_library_version().strip(), MPI.Get_library_version().strip()
            if ours.split("\n")[0] != theirs.split("\n")[0]:
                raise RuntimeError("kernelsolve and mpi4py use different MPI libraries:\n  kernelsolve: "
                                   f"{ours.splitlines()[0]}\n  mpi4py: {theirs.splitlines()[0]}")
            self._handle, self._mpi4py = comm.py2f(), comm  # keeps the mpi4py object (and its handle) alive
            self._name = "world" if comm == MPI.COMM_WORLD else "self" if comm == MPI.COMM_SELF else None
            return
        raise TypeError(f"kernelsolve.Communicator: expected 'world', 'self', an mpi4py communicator or a "
                        f"Communicator, got {type(comm).__name__}")

    @property
    def handle(self):
        """The Fortran handle (-1: MPI_COMM_WORLD, -2: MPI_COMM_SELF)."""
        return self._handle

    def _rank_size(self):
        initialize()
        return _core.comm_rank_size(self._handle)

    @property
    def rank(self):
        return self._rank_size()[0]

    @property
    def size(self):
        return self._rank_size()[1]

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        if self._name is None:
            raise TypeError("kernelsolve.Communicator: only 'world' and 'self' can be pickled (a communicator made "
                            "by Split or Dup exists in this process only)")
        return (Communicator, (self._name,))

    def __eq__(self, other):
        return isinstance(other, Communicator) and self._handle == other._handle

    def __hash__(self):
        return hash(self._handle)

    def __repr__(self):
        return f"Communicator({self._name!r})" if self._name else f"Communicator(fortran_handle={self._handle})"


def as_communicator(comm, default):
    """None -> default ("world" or "self"); anything Communicator() takes."""
    return Communicator(default if comm is None else comm)


def clonable_communicator(comm, owner):
    """The Communicator for comm= (None: "self"). A raw mpi4py communicator is refused: clone() deep-copies
    parameters, and only a kernelsolve.Communicator survives that as the same communicator."""
    if comm is None:
        return Communicator("self")
    if isinstance(comm, (Communicator, str)):
        return Communicator(comm)
    if hasattr(comm, "py2f") and hasattr(comm, "Get_rank"):
        raise TypeError(f"{owner}: comm is a raw mpi4py communicator ({type(comm).__name__}); wrap it as "
                        "kernelsolve.Communicator(comm), which scikit-learn's clone() copies as the same "
                        "communicator")
    raise TypeError(f"{owner}: comm must be None, 'self', 'world' or a kernelsolve.Communicator, got "
                    f"{type(comm).__name__}")


def agree(comm, problem, exception=InvalidArgument):
    """Raises `exception` on every rank of `comm` when any rank has a problem (a message; None: no problem),
    with the lowest failing rank's message: no rank is left waiting in the next collective."""
    initialize()
    failure = _core.agree(comm.handle, problem is not None, problem or "")
    if failure is not None:
        rank, message = failure
        size = comm.size
        raise exception(message if size == 1 else f"rank {rank}: {message}")
