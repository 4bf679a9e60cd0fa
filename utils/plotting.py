"""The course's figures: training curves, 1-D and 2-D traces on the shared
quadratic, line plots."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from .quadratic import f_2d

FIGSIZE = (4.5, 3.0)


def _axes(ax=None, figsize=FIGSIZE):
    """Return `ax`, or the axes of a new one-axes figure of the course's
    size."""
    if ax is None:
        # No layout engine: Jupyter's inline backend already crops the image
        # to the axes and their labels, and constrained layout would add
        # about a quarter to the drawing time.
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plain_log_labels(axis) -> None:
    """Label a logarithmic axis with plain numbers (0.03, not 3 x 10^-2):
    every power of ten, and 2, 3 and 5 times it (only 3 times it on an axis
    over two decades long, none over four, so labels do not collide)."""

    def label(value, _=None) -> str:
        low, high = sorted(axis.get_view_interval())
        decades = math.log10(high / low) if low > 0 else math.inf
        kept = (1, 2, 3, 5)
        if decades > 4:
            kept = (1,)
        elif decades > 2:
            kept = (1, 3)
        mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f"{value:g}" if round(mantissa) in kept else ""

    axis.set_major_formatter(label)
    axis.set_minor_formatter(label)


def plot(
    x,
    ys,
    xlabel: str,
    ylabel: str,
    legend: Sequence[str] = (),
    *,
    ax=None,
    xscale: str = "linear",
    yscale: str = "linear",
    title: str = "",
    fmts=("-", "--", "-.", ":"),
):
    """Draw one or several curves y(x) with labelled axes (d2l's `plot`);
    return the axes."""
    ax = _axes(ax)
    ys = [ys] if np.ndim(ys[0]) == 0 else ys
    xs = [x] * len(ys) if np.ndim(x[0]) == 0 else x
    for i, (xi, yi) in enumerate(zip(xs, ys)):
        label = legend[i] if i < len(legend) else None
        ax.plot(xi, yi, fmts[i % len(fmts)], label=label)
    ax.set(
        xlabel=xlabel,
        ylabel=ylabel,
        xscale=xscale,
        yscale=yscale,
        title=title,
    )
    if legend:
        ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def plot_history(
    histories,
    labels: Sequence[str] = (),
    *,
    x: str = "epochs",
    ax=None,
    ylim=None,
    yscale: str = "linear",
    title: str = "",
    fmts: Sequence[str] = (),
    optimum: float | None = None,
    legend_outside: bool = False,
    xscale: str | None = None,
):
    """Plot the full-data loss of one or several training runs against
    epochs, examples or seconds.

    `fmts` gives each run a line format ("--", ":o"...); `optimum` draws
    the best loss as a dotted line; `legend_outside` puts the legend to the
    right of the axes, where it cannot cover a curve; `xscale` defaults to
    "log" for seconds, "linear" otherwise.
    """
    histories = (
        [histories]
        if not isinstance(histories, (list, tuple))
        else list(histories)
    )
    labels = list(labels) or [h.label for h in histories]
    ax = _axes(ax)
    for i, (history, label) in enumerate(zip(histories, labels)):
        ax.plot(
            getattr(history, x),
            history.losses,
            fmts[i] if i < len(fmts) else "-",
            label=label or None,
        )
    if optimum is not None:
        ax.axhline(
            optimum,
            color="0.4",
            linestyle=":",
            linewidth=1,
            label=f"optimum {optimum:.4g}",
        )
    xlabels = {
        "epochs": "epoch",
        "examples": "examples seen",
        "seconds": "training time (s)",
    }
    ax.set(xlabel=xlabels[x], ylabel="loss", title=title, yscale=yscale)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if yscale == "log":
        plain_log_labels(ax.yaxis)
    if xscale is None:
        xscale = "log" if x == "seconds" else "linear"
    if xscale == "log" and any(getattr(h, x) for h in histories):
        ax.set_xscale("log")
        plain_log_labels(ax.xaxis)  # 0.001 rather than 10^-3
    if len(histories) > 1 or optimum is not None:
        if legend_outside:
            ax.legend(
                fontsize="small",
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
            )
        else:
            ax.legend()
    if not any(h.losses for h in histories):
        ax.text(
            0.5,
            0.5,
            "no finite loss to show",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    ax.grid(True, alpha=0.3)
    return ax


def plot_spread(histories, *, ax=None, label: str = "", color: str = "C0"):
    """Shade the range of the loss (lowest to highest) over runs evaluated
    at the same points, against epochs."""
    losses = np.array([h.losses for h in histories], dtype=float)
    ax = _axes(ax)
    ax.fill_between(
        histories[0].epochs,
        losses.min(axis=0),
        losses.max(axis=0),
        color=color,
        alpha=0.2,
        linewidth=0,
        label=label or None,
    )
    ax.set(xlabel="epoch", ylabel="loss")
    return ax


def plot_gap(
    histories,
    reference,
    *,
    ax=None,
    title: str = "",
    fmts: Sequence[str] = ("-", "--", "-.", ":"),
):
    """Plot each run's loss minus the loss of `reference` at the same
    evaluation points, against epochs."""
    histories = (
        [histories]
        if not isinstance(histories, (list, tuple))
        else list(histories)
    )
    ax = _axes(ax)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    for i, history in enumerate(histories):
        n = min(len(history.losses), len(reference.losses))
        gap = np.subtract(history.losses[:n], reference.losses[:n])
        ax.plot(
            history.epochs[:n],
            gap,
            fmts[i % len(fmts)],
            label=history.label or None,
        )
    ax.set(
        xlabel="epoch",
        ylabel=f"loss minus {reference.label}'s",
        title=title,
    )
    if any(h.label for h in histories):
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return ax


def plot_online(
    runs, *, every: int = 1, xscale: str = "linear", title: str = ""
):
    """Plot online runs (with `xs`, `average_regret`, `label`) side by side:
    x_t and R_t / t at t = 1, 1 + every, ..."""
    fig, axes = plt.subplots(
        1, 2, figsize=(FIGSIZE[0] * 2, FIGSIZE[1]), layout="constrained"
    )
    for run in runs:
        for ax, values in zip(axes, (run.xs, run.average_regret)):
            ax.plot(
                np.arange(1, len(values) + 1)[::every],
                values[::every],
                label=run.label or None,
            )
    axes[0].set(xlabel="step t", ylabel="$x_t$", ylim=(-1.1, 1.1))
    axes[1].set(xlabel="step t", ylabel="average regret $R_t / t$")
    for ax in axes:
        ax.set_xscale(xscale)
        ax.grid(True, alpha=0.3)
        if any(run.label for run in runs):
            ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return axes


def show_trace_1d(results, f, *, ax=None, title: str = ""):
    """Show the iterates of a 1-D optimizer on the curve f (d2l's
    `show_trace`)."""
    ax = _axes(ax)
    n = max(10.0, max(abs(r) for r in results))
    grid = np.arange(-n, n, 0.01)
    ax.plot(grid, [f(x) for x in grid], "-", color="C0")
    ax.plot(results, [f(x) for x in results], "-o", color="C1")
    ax.set(xlabel="x", ylabel="f(x)", title=title)
    return ax


def show_trace_2d(
    results,
    f=f_2d,
    *,
    ax=None,
    label: str | None = None,
    title: str = "",
    xlim=(-5.5, 1.0),
    ylim=(-3.0, 1.0),
    contours: bool = True,
    fmt: str = "-o",
):
    """Show a 2-D trajectory on the contours of f (d2l's `show_trace_2d`);
    return the axes (`fmt`: line and marker style)."""
    ax = _axes(ax)
    if contours:
        x1, x2 = np.meshgrid(
            np.arange(xlim[0], xlim[1], 0.1),
            np.arange(ylim[0], ylim[1], 0.1),
        )
        ax.contour(x1, x2, f(x1, x2), colors="0.6", linewidths=0.8)
    points = np.asarray(results)
    # one unlabelled path: orange, as d2l draws it; labelled ones take the
    # colour cycle, or the colour their `fmt` names ("C5--o")
    colour = {} if label else {"color": "#ff7f0e"}
    ax.plot(
        points[:, 0],
        points[:, 1],
        fmt,
        markersize=3,
        label=label,
        **colour,
    )
    ax.set(xlabel="x1", ylabel="x2", title=title, xlim=xlim, ylim=ylim)
    if label:
        ax.legend(fontsize="small")
    return ax


def show_traces_2d(
    traces: dict,
    f=f_2d,
    *,
    ncols: int = 0,
    title: str = "",
    xlim=(-5.5, 1.0),
    ylim=(-3.0, 1.0),
    ax=None,
    fmts: Sequence[str] = (),
    legend_outside: bool = False,
):
    """Show several named 2-D trajectories, side by side (ncols > 0) or on
    one contour plot (in `ax`, if given).

    On one plot, `fmts` gives each path its line and marker style ("-o",
    "--s"...), and `legend_outside` puts the legend to the right of the
    axes, where it covers no path.
    """
    if ncols:
        nrows = -(-len(traces) // ncols)
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(FIGSIZE[0] * ncols * 0.8, FIGSIZE[1] * nrows * 0.8),
            layout="constrained",
            squeeze=False,
        )
        for ax, (name, results) in zip(axes.flat, traces.items()):
            show_trace_2d(
                results, f, ax=ax, title=name, xlim=xlim, ylim=ylim
            )
        for ax in axes.flat[len(traces) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title)
        return axes
    if ax is None:
        ax = _axes(figsize=(FIGSIZE[0] * 1.4, FIGSIZE[1] * 1.4))
    for i, (name, results) in enumerate(traces.items()):
        show_trace_2d(
            results,
            f,
            ax=ax,
            label=name,
            contours=i == 0,
            title=title,
            xlim=xlim,
            ylim=ylim,
            fmt=fmts[i] if i < len(fmts) else "-o",
        )
    if legend_outside:
        ax.legend(
            fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0)
        )
    return ax


MARKERS = "osDv^P<*hX>d"  # one per line, so that overlaps stay legible


def _to_the_edge(losses, top: float) -> np.ndarray:
    """The losses to draw: a loss above `top` (or not finite) next to one
    below it becomes `top`, so that the line climbs to the edge; the
    others are NaN, left out."""
    off = ~(losses <= top)  # above top, inf or nan
    near = np.zeros_like(off)
    near[1:] |= ~off[:-1]
    near[:-1] |= ~off[1:]
    return np.where(off, np.where(near, top, np.nan), losses)


def _off_the_plot(ax, sweeps, colors, top: float, height: float):
    """A strip above `ax`, one row per sweep: where its final loss was
    above `top` (a triangle) or not finite (a cross); return the strip."""
    rows = len(sweeps)
    strip = ax.inset_axes([0.0, 1.02, 1.0, height * rows])
    for row, (sweep, color) in enumerate(zip(sweeps, colors)):
        lrs = np.asarray(sweep.lrs, dtype=float)
        losses = np.asarray(sweep.losses, dtype=float)
        off = np.isfinite(losses) & (losses > top)
        bad = ~np.isfinite(losses)
        y = rows - 1 - row  # the first sweep on the top row
        strip.plot(lrs[off], np.full(off.sum(), y), "^", color=color)
        strip.plot(lrs[bad], np.full(bad.sum(), y), "x", mew=2, color=color)
    strip.set(xscale="log", xlim=ax.get_xlim(), ylim=(-0.7, rows - 0.3))
    strip.set_yticks(
        range(rows), [s.label for s in reversed(sweeps)], fontsize="small"
    )
    for label, color in zip(strip.get_yticklabels(), reversed(colors)):
        label.set_color(color)
    strip.tick_params(axis="x", which="both", labelbottom=False)
    strip.grid(True, axis="x", alpha=0.3)
    return strip


def plot_sweeps(
    sweeps,
    *,
    ax=None,
    ylim=(0.24, 0.30),
    optimum: float | None = None,
    yscale: str = "linear",
    title: str = "",
    colors: Sequence[str] = (),
    strip_height: float = 0.055,
):
    """Plot final loss against learning rate (log x) for sweeps with `lrs`,
    `losses`, `label`; clip at ylim, and mark above the axes, one row per
    sweep, where each left the plot or diverged.

    `colors` gives each sweep its colour (C0, C1, ... by default); the
    strip's rows are `strip_height` of the axes' height each. Return the
    axes; the strip is `ax.child_axes[0]`.
    """
    sweeps = (
        list(sweeps.values()) if isinstance(sweeps, dict) else list(sweeps)
    )
    colors = list(colors) or [f"C{i % 10}" for i in range(len(sweeps))]
    ax = _axes(ax, figsize=(FIGSIZE[0] * 1.8, FIGSIZE[1] * 1.3))
    top = ylim[1]
    for i, (sweep, color) in enumerate(zip(sweeps, colors)):
        lrs = np.asarray(sweep.lrs, dtype=float)
        losses = np.asarray(sweep.losses, dtype=float)
        ax.plot(
            lrs,
            _to_the_edge(losses, top),
            "-",
            marker=MARKERS[i % len(MARKERS)],
            markevery=np.flatnonzero(losses <= top).tolist(),
            markersize=3.5,
            color=color,
            label=sweep.label,
        )
    if optimum is not None:
        ax.axhline(optimum, color="0.4", linestyle=":", linewidth=1)
    lo = min(min(sweep.lrs) for sweep in sweeps)
    hi = max(max(sweep.lrs) for sweep in sweeps)
    margin = (hi / lo) ** 0.03 if hi > lo else 2.0
    ax.set(
        xscale="log",
        xlim=(lo / margin, hi * margin),  # every lr, even off the plot
        xlabel="learning rate η",
        ylabel="final loss",
        yscale=yscale,
        ylim=ylim,
    )
    if yscale == "log":
        plain_log_labels(ax.yaxis)
    ax.xaxis.set_major_formatter(
        lambda value, _: f"{value:g}"
    )  # 0.001 rather than 10^-3
    strip = _off_the_plot(ax, sweeps, colors, top, strip_height)
    strip.set_title(title)
    ax.plot([], [], "^", color="0.4", label=f"above {top:g} (strip)")
    ax.plot([], [], "x", mew=2, color="0.4", label="diverged (strip)")
    ax.legend(
        fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0)
    )
    ax.grid(True, alpha=0.3)
    return ax


def plot_history_pair(
    histories,
    *,
    xs=("epochs", "seconds"),
    ylim=None,
    yscale: str = "linear",
    titles=("loss against epochs", "loss against training time"),
):
    """Plot the same runs in two panels side by side (against epochs and
    seconds), with one legend."""
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(FIGSIZE[0] * 2.4, FIGSIZE[1] * 1.2),
        layout="constrained",
        sharey=True,
    )
    for ax, x, title in zip(axes, xs, titles):
        plot_history(
            histories, x=x, ax=ax, ylim=ylim, yscale=yscale, title=title
        )
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    handles, labels = axes[0].get_legend_handles_labels()
    if labels:
        fig.legend(
            handles, labels, loc="outside right center", fontsize="small"
        )
    return axes


def plot_scheduled_runs(
    histories,
    schedules,
    *,
    updates_per_epoch: int,
    ylim=None,
    yscale: str = "linear",
    titles=("loss against epochs", "learning rate against epochs"),
):
    """Two panels side by side: each run's loss, and the learning rate its
    schedule gave each of its updates, both against epochs; one legend."""
    histories, schedules = list(histories), list(schedules)
    if len(histories) != len(schedules):
        raise ValueError(
            f"one schedule per run: {len(histories)} runs, "
            f"{len(schedules)} schedules"
        )
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(FIGSIZE[0] * 2.4, FIGSIZE[1] * 1.2),
        layout="constrained",
    )
    plot_history(histories, ax=axes[0], ylim=ylim, title=titles[0])
    axes[0].set_yscale(yscale)
    if yscale == "log":  # 0.5 and 2 rather than 5 x 10^-1 and 2 x 10^0
        plain_log_labels(axes[0].yaxis)
    if axes[0].get_legend() is not None:
        axes[0].get_legend().remove()
    for history, schedule in zip(histories, schedules):
        updates = np.arange(history.steps)
        axes[1].plot(
            updates / updates_per_epoch,
            [schedule(k) for k in updates],
            label=history.label or None,
        )
    axes[1].set(xlabel="epoch", ylabel="learning rate η", title=titles[1])
    axes[1].grid(True, alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if labels:
        fig.legend(
            handles, labels, loc="outside right center", fontsize="small"
        )
    return axes


def plot_seeds(
    sweeps,
    *,
    ax=None,
    floor: float | None = None,
    yscale: str = "log",
    title: str = "",
    colors: Sequence[str] = (),
    rotation: float = 0.0,
):
    """Plot, for each sweep, the final loss of every seed (a dot) and their
    mean (a bar) at the sweep's best learning rate.

    `colors` gives each sweep its colour (C0, C1, ... by default);
    `rotation` turns the labels under the axis by that many degrees (and
    writes each on one line), for many sweeps.
    """
    sweeps = (
        list(sweeps.values()) if isinstance(sweeps, dict) else list(sweeps)
    )
    colors = list(colors) or [f"C{i % 10}" for i in range(len(sweeps))]
    ax = _axes(ax, figsize=(FIGSIZE[0] * 1.6, FIGSIZE[1]))
    for i, (sweep, color) in enumerate(zip(sweeps, colors)):
        lr, mean = sweep.best
        runs = sweep.best_runs
        ax.plot([i] * len(runs), runs, "o", color=color, alpha=0.7)
        ax.plot([i - 0.25, i + 0.25], [mean, mean], "-", color=color, lw=2)
    if floor is not None:
        ax.axhline(floor, color="0.4", linestyle=":", linewidth=1)
    sep = ", " if rotation else "\n"  # one line each when turned
    ax.set_xticks(
        range(len(sweeps)),
        [f"{s.label}{sep}η = {s.best[0]:.2g}" for s in sweeps],
        fontsize="small",
    )
    if rotation:
        for label in ax.get_xticklabels():
            label.set(rotation=rotation, ha="right", rotation_mode="anchor")
    ax.set(ylabel="final loss", yscale=yscale, title=title)
    if yscale == "log":
        plain_log_labels(ax.yaxis)
    ax.grid(True, axis="y", alpha=0.3)
    return ax
