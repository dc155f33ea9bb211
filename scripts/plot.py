#!/usr/bin/env python3
"""Renders a coda JSON report as a picture (PNG, SVG or PDF, by the output's extension).

    scripts/plot.py REPORT.json OUT.png

`coda sim --plot` and `coda compare --plot` call this with the report they produce; it can also be run on a
saved `--json` file. The picture depends on the report's schema:

  coda.sim/1      cycles per encoder layer stacked by op category, and energy per layer stacked by unit
  coda.compare/1  grouped bars per block (MHA, FFN, ...), one bar per run: cycles, and energy
  coda.nas/1      the Pareto front after every generation of a `coda nas` run, read from the run's history.csv
                  (the report names it), every evaluated candidate in grey, the baseline marked

Needs matplotlib (Debian: python3-matplotlib, installed by scripts/setup.sh). Exit codes: 0 ok, 2 bad input,
3 matplotlib missing.
"""
import json
import os
import sys

CATEGORIES = ["matmul", "softmax", "layernorm", "gelu", "resadd", "quant"]
UNITS = ["mesh", "scratchpad", "accumulator", "dram", "dma", "normalizer", "activation", "host", "static"]
BLOCKS = ["mha", "ffn", "embedding", "head"]


def eng(value, unit):
    """A value with an SI prefix chosen for the largest number of a plot: (scale, label)."""
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n")):
        if abs(value) >= scale:
            return scale, prefix + unit
    return 1e-12, "p" + unit


def layer_label(layer):
    return "other" if layer < 0 else f"L{layer}"


def plot_sim(report, plt):
    ops = report["ops"]
    layers = sorted({o["layer"] for o in ops}, key=lambda l: (l < 0, l))
    index = {l: i for i, l in enumerate(layers)}
    x = list(range(len(layers)))
    cycles = {c: [0] * len(layers) for c in CATEGORIES}
    energy = {u: [0.0] * len(layers) for u in UNITS}
    for o in ops:
        i = index[o["layer"]]
        cycles.setdefault(o["category"], [0] * len(layers))[i] += o["cycles"]
        for u, j in o.get("energy_breakdown_j", {}).items():
            energy.setdefault(u, [0.0] * len(layers))[i] += j
    have_energy = any(any(v) for v in energy.values())
    fig, axes = plt.subplots(2 if have_energy else 1, 1, figsize=(max(7.0, 0.45 * len(layers) + 4), 8 if have_energy else 4.5),
                             squeeze=False)
    cmap = plt.get_cmap("tab10")

    def stacked(ax, series, base_unit, legend_title):
        """Bars per layer stacked by series (empty series left out); returns the y-axis unit label."""
        top = max((sum(series[k][i] for k in series) for i in x), default=0)
        scale, unit = eng(top, base_unit)
        bottom = [0.0] * len(layers)
        for k, name in enumerate(series):
            vals = [v / scale for v in series[name]]
            if not any(vals):
                continue
            ax.bar(x, vals, bottom=bottom, label=name, color=cmap(k % 10), width=0.75)
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.legend(title=legend_title, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(axis="y", alpha=0.3)
        return unit

    ax = axes[0][0]
    ax.set_ylabel(f"cycles ({stacked(ax, cycles, 'cycles', 'category')})")
    ax.set_title(f"{report['workload']}: cycles per layer by op category "
                 f"(total {report['total_cycles']:,} cycles, {report['seconds'] * 1e3:.3f} ms)")

    if have_energy:
        ax = axes[1][0]
        ax.set_ylabel(f"energy ({stacked(ax, energy, 'J', 'unit')})")
        ax.set_title(f"energy per layer by unit (total {report['energy_j'] * 1e3:.4g} mJ, "
                     f"EDP {report['edp_js']:.3e} J·s)")
    for row in axes:
        row[0].set_xticks(x)
        row[0].set_xticklabels([layer_label(l) for l in layers], rotation=0 if len(layers) <= 16 else 90)
        row[0].set_xlabel("encoder layer" + (" ('other': ops outside the layers)" if -1 in index else ""))
    return fig


def plot_compare(report, plt):
    runs = report["runs"]
    blocks = [b for b in BLOCKS if b in ("mha", "ffn") or any(r["blocks"].get(b, 0) for r in runs)]
    fig, axes = plt.subplots(1, 2, figsize=(max(10.0, 1.2 * len(blocks) * len(runs) + 4), 5))
    cmap = plt.get_cmap("tab10")
    width = 0.8 / max(1, len(runs))
    panels = [("blocks", "cycles", "cycles per block"), ("blocks_energy_j", "J", "energy per block")]
    for ax, (key, base_unit, title) in zip(axes, panels):
        top = max((r[key].get(b, 0) for r in runs for b in blocks), default=0)
        scale, unit = eng(top, base_unit)
        for k, r in enumerate(runs):
            xs = [i + (k - (len(runs) - 1) / 2) * width for i in range(len(blocks))]
            vals = [r[key].get(b, 0) / scale for b in blocks]
            bars = ax.bar(xs, vals, width=width * 0.95, label=r["label"], color=cmap(k % 10))
            if k > 0:
                for bar, b in zip(bars, blocks):
                    ref = runs[0][key].get(b, 0)
                    if ref:
                        d = 100.0 * (r[key].get(b, 0) - ref) / ref
                        ax.annotate(f"{d:+.1f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                    ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(range(len(blocks)))
        ax.set_xticklabels([b.upper() if b in ("mha", "ffn") else b for b in blocks])
        ax.set_xlabel("transformer block")
        ax.set_ylabel(f"{'cycles' if base_unit == 'cycles' else 'energy'} ({unit})")
        ax.set_title(title + " (% vs the first run)")
        ax.grid(axis="y", alpha=0.3)
        ax.margins(y=0.12)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(runs), 4), fontsize=8, title="run")
    fig.suptitle(f"coda compare: {report['workload']}")
    fig.tight_layout(rect=(0, 0.08 + 0.04 * ((len(runs) - 1) // 4), 1, 0.95))
    return fig


NAS_COLUMNS = {"edp": ("edp", "EDP (J·s)"), "perplexity": ("perplexity", "perplexity"),
               "latency": ("latency_cycles", "latency (cycles)"), "energy": ("energy_j", "energy (J)")}


def front_2d(points):
    """The non-dominated points of [(x, y)] (minimised), sorted by x."""
    front, best_y = [], float("inf")
    for x, y in sorted(set(points)):
        if y < best_y:
            front.append((x, y))
            best_y = y
    return front


def plot_nas(report, plt):
    import csv
    (xcol, xlabel), (ycol, ylabel) = (NAS_COLUMNS[o] for o in report["objectives"][:2])
    try:
        with open(report["history"], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise ValueError(f"cannot read {report['history']}: {e}")
    if not rows:
        raise ValueError(f"{report['history']}: no evaluated candidates")
    pts = [(int(r["generation"]), float(r[xcol]), float(r[ycol]), r["feasible"] == "1") for r in rows]
    generations = max(p[0] for p in pts) + 1
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.scatter([p[1] for p in pts if p[3]], [p[2] for p in pts if p[3]], s=8, color="0.75", label="evaluated")
    infeasible = [p for p in pts if not p[3]]
    if infeasible:
        ax.scatter([p[1] for p in infeasible], [p[2] for p in infeasible], s=10, marker="x", color="0.6",
                   label="infeasible")
    cmap = plt.get_cmap("viridis")
    for g in range(generations):
        front = front_2d([(p[1], p[2]) for p in pts if p[0] <= g and p[3]])
        if not front:
            continue
        last = g == generations - 1
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color=cmap(g / max(1, generations - 1)),
                linewidth=2.2 if last else 0.9, alpha=1.0 if last else 0.6, marker="o" if last else None,
                markersize=4, label=f"front after generation {g + 1}" if last else None)
    b = report.get("baseline_row")
    if b is not None and 0 <= b < len(pts):
        ax.scatter([pts[b][1]], [pts[b][2]], s=160, marker="*", color="crimson", zorder=5, label="baseline")
    xs = [p[1] for p in pts]
    if min(xs) > 0 and max(xs) / min(xs) > 100:
        ax.set_xscale("log")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(1, max(2, generations)))
    fig.colorbar(sm, ax=ax, label="generation")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"coda nas: Pareto front per generation ({len(pts)} candidates, {generations} generations)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def main(argv):
    if len(argv) != 3:
        print("usage: plot.py REPORT.json OUT.png|svg|pdf", file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: install python3-matplotlib (scripts/setup.sh)", file=sys.stderr)
        return 3
    try:
        with open(argv[1], encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{argv[1]}: cannot read the report: {e}", file=sys.stderr)
        return 2
    schema = report.get("schema", "")
    if schema.startswith("coda.sim/"):
        fig = plot_sim(report, plt)
    elif schema.startswith("coda.compare/"):
        fig = plot_compare(report, plt)
    elif schema.startswith("coda.nas/"):
        try:
            fig = plot_nas(report, plt)
        except (KeyError, ValueError) as e:
            print(f"{argv[1]}: cannot plot the search history: {e}", file=sys.stderr)
            return 2
    else:
        print(f"{argv[1]}: not a coda sim, compare or nas report (schema {schema!r})", file=sys.stderr)
        return 2
    if schema.startswith("coda.sim/"):
        fig.tight_layout()
    ext = os.path.splitext(argv[2])[1].lower()
    metadata = {"Software": None} if ext == ".png" else ({"Date": None} if ext == ".svg" else {})
    try:
        fig.savefig(argv[2], dpi=120, metadata=metadata)
    except OSError as e:
        print(f"{argv[2]}: cannot write: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
