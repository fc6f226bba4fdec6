#!/usr/bin/python3
"""The demo's picture, drawn as the KeOps example draws its own: for each right-hand side, the first 40
coefficients of kernelsolve's solution (solid) next to the dense direct solve (dashed).

usage: plot_demo.py VALUES.csv OUT.png
VALUES.csv: a header line, then one line per coefficient: column, index, kernelsolve value, dense value.
Exits 2 (with one line on stderr) when matplotlib is missing, 1 on any other problem; writes OUT.png atomically.
"""
import csv
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
except ImportError:
    print("matplotlib is not installed (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
    sys.exit(2)


def main(values_path, out_path):
    columns = {}
    with open(values_path, newline="") as values:
        rows = csv.reader(values)
        next(rows)
        for column, index, ours, dense in rows:
            series = columns.setdefault(int(column), ([], [], []))
            series[0].append(int(index))
            series[1].append(float(ours))
            series[2].append(float(dense))
    figure = plt.figure(figsize=(8, 2.5 * len(columns)))
    for k, column in enumerate(sorted(columns)):
        index, ours, dense = columns[column]
        axes = figure.add_subplot(len(columns), 1, k + 1)
        axes.plot(index, ours, "-", label="kernelsolve")
        axes.plot(index, dense, "--", label="dense (LAPACK)")
        axes.set_ylabel("c[:, %d]" % column)
        axes.legend(loc="lower right")
    axes.set_xlabel("coefficient")
    figure.tight_layout()
    temporary = out_path + ".tmp.%d.png" % os.getpid()
    try:
        figure.savefig(temporary)
        os.replace(temporary, out_path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(1)
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as error:  # one line, as the app's own errors
        print("%s: %s" % (sys.argv[2], error), file=sys.stderr)
        sys.exit(1)
