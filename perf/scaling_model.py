#!/usr/bin/python3
"""A performance model of kernelsolve's distributed CG: compute from measured kernel pairs/s, communication from an
alpha-beta model of the network. Checked against measured runs (--check scaling.csv of perf/scaling.py), and
projected to GPU clusters (--project).

    python3 perf/scaling_model.py --check scaling/scaling.csv      # model against this machine's runs
    python3 perf/scaling_model.py --project                        # N = 1e6, 1e7, 1e8 on 1..64 nodes of 4 GPUs

One CG iteration on P ranks, each holding n = N / P rows (what src/ and include/ do, per iteration):
    product      n N / R                      R: kernel pairs/s of one rank (all Dv columns of a pair at once)
    gather       Dv x MPI_Allgatherv of N values (one per column): ring, (P - 1) alpha + (P - 1) / P N s / beta
                 (s bytes per value); two levels on a GPU cluster: G GPUs of a node over NVLink, then the nodes
                 over the network ((nodes - 1) alpha_net + (nodes - 1) / nodes N s / (nics beta_net))
    reductions   2 reproducible dots (3 preconditioned), each an MPI_Allgather of 2 Dv doubles per rank:
                 log2(P) alpha + sync (the device-to-host copy of the partial sums, and a kernel launch)
    vector work  about 13 streams of n Dv s bytes (3 updates, the dots) at the memory bandwidth
    Nystrom      (rank k, preconditioned only) F^T r: n k Dv exact products summed in double-double (at a rate of
                 their own, E per second), F y: 2 n k Dv flops; the F^T r partial sums of
                 the ranks (2 k Dv doubles each) added in rank order by a reduction and a broadcast
                 (2 log2(P) (alpha + 16 k Dv / beta)), and the k x k triangular solves on every rank (2 k^2 Dv flops)
The setup (preconditioned) is not modelled per iteration: k kernel columns (N k pairs / P) and the Gram (N k^2 / P
flops) are added once, at the given rates. Assumptions: dense products (every rank evaluates its rows against all N
points; the cutoff products of the narrow-kernel issue would change n N into n times the neighbours), no overlap of
communication with compute in the main columns (the blocking gather); the "overlapped" columns of --project give
the bound of DistributedOperator's overlapped gather (the product runs over the ranks' blocks as they arrive):
max(product, gather) instead of their sum, balanced rows, the iteration count independent of P (bitwise-identical
iterations on every rank count: exact here), GPU-aware MPI (else add the host staging of the gathered vector).
"""

import argparse
import csv
import math
import sys

# Networks: alpha (s per message), beta (bytes/s per link), links per node.
NETWORKS = {
    "shm": {"alpha": 0.5e-6, "beta": 5e9, "nics": 1, "sync": 1e-6,
            "doc": "one node's shared memory (Open MPI vader), this 2-core machine"},
    "hdr": {"alpha": 2.0e-6, "beta": 25e9, "nics": 4, "sync": 15e-6,
            "doc": "InfiniBand HDR (200 Gb/s) between nodes, 4 NICs per node; GPU sync 15 us per collective"},
    "ndr": {"alpha": 2.0e-6, "beta": 50e9, "nics": 4, "sync": 15e-6,
            "doc": "InfiniBand NDR (400 Gb/s), 4 NICs per node"},
}
NVLINK = {"alpha": 3e-6, "beta": 450e9, "doc": "NVLink 4 inside a node (H100/H200 SXM): 450 GB/s per direction"}


def log2_ceiling(p):
    return math.ceil(math.log2(p)) if p > 1 else 0


def iteration_seconds(N, P, gpus_per_node, rate, network, scalar_bytes, Dv, memory_bandwidth, nystrom_rank,
                      flops_rate, exact_rate):
    """The model's seconds per CG iteration, by phase (a dict)."""
    n = N / P
    nodes = max(1, P // gpus_per_node)
    local = P // nodes  # ranks sharing a node's fast links
    phases = {"kernel_product": n * N / rate}
    column_bytes = N * scalar_bytes
    if nodes > 1:
        inside = (local - 1) * NVLINK["alpha"] + (local - 1) / local * (column_bytes / nodes) / NVLINK["beta"]
        across = (nodes - 1) * network["alpha"] + (nodes - 1) / nodes * column_bytes / (network["nics"] *
                                                                                          network["beta"])
        gather = inside + across
    else:
        link = NVLINK if gpus_per_node > 1 else network
        gather = (P - 1) * link["alpha"] + (P - 1) / P * column_bytes / link["beta"] if P > 1 else 0.0
    phases["gather"] = Dv * gather
    dots = 3 if nystrom_rank else 2
    phases["reductions"] = dots * (log2_ceiling(P) * network["alpha"] + network["sync"])
    phases["vector_updates"] = 13 * n * Dv * scalar_bytes / memory_bandwidth
    if nystrom_rank:
        k = nystrom_rank
        # F^T r: the ranks' exact partial sums (2 k Dv doubles) added in rank order by a reduction to rank 0 and a
        # broadcast (binomial trees: 2 log2(P) steps of 16 k Dv bytes)
        reduced = 2 * log2_ceiling(P) * (network["alpha"] + 16 * k * Dv / (network["nics"] * network["beta"]))
        phases["preconditioner_apply"] = n * k * Dv / exact_rate + (2 * n * k * Dv + 2 * k * k * Dv) / flops_rate
        phases["preconditioner_reduction"] = reduced if P > 1 else 0.0
    return phases


def check(path, arguments):
    """The model against runs of perf/scaling.py, per iteration and by phase. The model is given what a run counted
    (products, gathers and collectives per iteration, the Nystrom rank) and one rate, the pairs/s of one rank in the
    series' first run; it predicts the other runs' phases from the alpha-beta parameters."""
    with open(path) as file:
        rows = list(csv.DictReader(file))
    if not rows:
        print(f"{path}: no runs", file=sys.stderr)
        return 1
    network = NETWORKS[arguments.network]
    print(f"Model check against {path}: network {arguments.network} ({network['doc']}: alpha {network['alpha']:.1e} s, "
          f"beta {network['beta']:.1e} B/s); R (kernel pairs/s) and E (the preconditioner's exact products/s) of one "
          "rank from each series' first run. ms per iteration, "
          "measured (the most loaded rank) / model. The measured reductions also hold the waiting for the slowest "
          "rank (load imbalance), which the model leaves out.")
    print()
    print("| series | ranks | N | iterations | R pairs/s | product | gather | reductions | preconditioner apply | "
          "solve |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base_rate, base_exact = {}, {}
    for row in rows:
        series, P, N, Dv = row["series"], int(row["ranks"]), int(row["N"]), int(row["Dv"])
        iterations = max(1, int(row["iterations"]))
        if series not in base_rate:
            base_rate[series] = float(row["pairs_per_s"]) / P if float(row["pairs_per_s"]) > 0 else 1e9
        rate = base_rate[series]
        scalar_bytes = 4 if row["precision"] == "float32" else 8
        k = int(row["nystrom_rank"]) if row["preconditioner"] == "nystrom" else 0
        apply_calls = int(row["preconditioner_apply_calls"])
        if k and apply_calls and series not in base_exact:
            # the apply's exact products per second of one rank, from the series' first run (all its time)
            per_call = float(row["preconditioner_apply_max_s"]) / apply_calls
            base_exact[series] = (N / P) * k * Dv / per_call
        exact = base_exact.get(series, arguments.exact_rate)
        one = iteration_seconds(N, P, 1, rate, network, scalar_bytes, Dv, arguments.memory_bandwidth, k,
                                math.inf, exact)
        per_iteration = lambda phase: int(row[f"{phase}_calls"]) / iterations  # noqa: E731
        applies = per_iteration("preconditioner_apply")
        one_collective = one["reductions"] / (3 if k else 2)
        model = {"kernel_product": per_iteration("kernel_product") * one["kernel_product"],
                 "gather": per_iteration("gather") * one["gather"],
                 # every collective but the preconditioner's F^T r reductions is a small one (a dot's partial sums)
                 "reductions": (per_iteration("reductions") - applies) * one_collective +
                               applies * one.get("preconditioner_reduction", 0.0),
                 "preconditioner_apply": applies * one.get("preconditioner_apply", 0.0)}
        measured = {p: float(row[f"{p}_max_s"]) / iterations for p in model}
        model_solve = sum(model.values()) + one["vector_updates"]
        # the series' first run calibrates R and E: its product and apply columns agree by construction
        cells = [series, str(P), str(N), str(iterations), f"{rate:.2e}"]
        cells += [f"{1e3 * measured[p]:.3g} / {1e3 * model[p]:.3g}" for p in model]
        cells.append(f"{1e3 * float(row['solve_s']) / iterations:.3g} / {1e3 * model_solve:.3g}")
        print("| " + " | ".join(cells) + " |")
    return 0


def project(arguments):
    network = NETWORKS[arguments.network]
    print(f"Projection: strong scaling on 1..{arguments.max_nodes} nodes of {arguments.gpus_per_node} GPUs, "
          f"{arguments.network} ({network['doc']}); NVLink inside nodes ({NVLINK['doc']}); R = {arguments.rate:.2e} "
          f"pairs/s per GPU, {arguments.scalar_bytes}-byte values, Dv = {arguments.columns}, memory "
          f"{arguments.memory_bandwidth:.2e} B/s; preconditioned: Nystrom rank {arguments.nystrom_rank}, "
          f"{arguments.flops_rate:.1e} flop/s and {arguments.exact_rate:.1e} exact products/s in its apply, "
          f"{arguments.preconditioned_iterations} iterations against "
          f"{arguments.plain_iterations} plain (both assumed, problem-dependent).")
    print()
    for N in arguments.points:
        print(f"**N = {N:.0e}**")
        print()
        print("| nodes | GPUs | plain: s/iteration | comm. share | efficiency | overlapped: s/iteration (bound) | solve s "
              "| preconditioned: s/iteration | comm. share | efficiency | overlapped (bound) | solve s (setup included) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        nodes = 1
        base = {}
        while nodes <= arguments.max_nodes:
            P = nodes * arguments.gpus_per_node
            cells = [str(nodes), str(P)]
            for name, k, iterations in (("plain", 0, arguments.plain_iterations),
                                        ("preconditioned", arguments.nystrom_rank,
                                         arguments.preconditioned_iterations)):
                phases = iteration_seconds(N, P, arguments.gpus_per_node, arguments.rate, network,
                                           arguments.scalar_bytes, arguments.columns, arguments.memory_bandwidth, k,
                                           arguments.flops_rate, arguments.exact_rate)
                per_iteration = sum(phases.values())
                # The gather hidden behind the product at best: rows summed over the source blocks as they arrive
                overlapped = per_iteration - min(phases["kernel_product"], phases["gather"])
                communication = phases["gather"] + phases["reductions"] + phases.get("preconditioner_reduction", 0)
                base.setdefault(name, (per_iteration, P))
                efficiency = base[name][0] * base[name][1] / (per_iteration * P)
                total = iterations * per_iteration
                if k:  # setup: k kernel columns and the Gram F^T F, once
                    total += N * k / P / arguments.rate + 2 * N * k * k / P / arguments.flops_rate
                cells += [f"{per_iteration:.3g}", f"{communication / per_iteration:.1%}", f"{efficiency:.0%}",
                          f"{overlapped:.3g} ({1 - overlapped / per_iteration:.0%} less)", f"{total:.3g}"]
            print("| " + " | ".join(cells) + " |")
            nodes *= 2
        print()
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="CSV", help="compare the model with the runs of perf/scaling.py")
    mode.add_argument("--project", action="store_true", help="project strong scaling to a GPU cluster")
    parser.add_argument("--network", choices=sorted(NETWORKS), default=None,
                        help="alpha-beta parameters (default: shm for --check, hdr for --project)")
    parser.add_argument("--alpha", type=float, help="override the network's latency per message, s")
    parser.add_argument("--beta", type=float, help="override the network's bandwidth per link, bytes/s")
    parser.add_argument("--rate", type=float, default=5.1e11,
                        help="kernel pairs/s per GPU (5.1e11: Gaussian float32, D = 2, Dv = 2, measured on an H200)")
    parser.add_argument("--gpus-per-node", type=int, default=4)
    parser.add_argument("--max-nodes", type=int, default=64)
    parser.add_argument("--points", type=float, nargs="+", default=[1e6, 1e7, 1e8])
    parser.add_argument("--columns", type=int, default=2, help="Dv (2)")
    parser.add_argument("--scalar-bytes", type=int, default=4, help="4 (float32, mixed inner) or 8")
    parser.add_argument("--memory-bandwidth", type=float, default=None,
                        help="bytes/s per rank (default: 4.0e12 for --project, an H200's HBM3e at about 80%%; "
                             "1.0e10 for --check, a share of this machine's DRAM)")
    parser.add_argument("--flops-rate", type=float, default=None,
                        help="--project: flop/s of the Nystrom apply and setup per GPU (2e13); --check models the "
                             "apply from its measured exact-product rate instead")
    parser.add_argument("--exact-rate", type=float, default=None,
                        help="exact (double-double) products per second of F^T r per rank (default: 1.5e12 for "
                             "--project, about a 20th of an H200's float64 rate; --check calibrates it)")
    parser.add_argument("--nystrom-rank", type=int, default=None,
                        help="--project: k of the preconditioned model (1000); --check reads each run's rank from "
                             "the CSV")
    parser.add_argument("--plain-iterations", type=int, default=1000)
    parser.add_argument("--preconditioned-iterations", type=int, default=30)
    arguments = parser.parse_args(argv)
    on_gpus = arguments.project
    arguments.network = arguments.network or ("hdr" if on_gpus else "shm")
    arguments.memory_bandwidth = arguments.memory_bandwidth or (4.0e12 if on_gpus else 1.0e10)
    arguments.flops_rate = arguments.flops_rate or 2e13  # --project only
    arguments.exact_rate = arguments.exact_rate or (1.5e12 if on_gpus else 2.5e8)
    arguments.nystrom_rank = arguments.nystrom_rank or 1000  # --project only
    network = NETWORKS[arguments.network]
    if arguments.alpha is not None:
        network["alpha"] = arguments.alpha
    if arguments.beta is not None:
        network["beta"] = arguments.beta
    return project(arguments) if on_gpus else check(arguments.check, arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
