"""The figure helpers draw what they are given: the number of lines, their
data, labels and legends."""

import math

import numpy as np
import pytest

from utils import optimizers as O
from utils.data import get_data
from utils.online import run_online
from utils.plotting import (
    plot,
    plot_gap,
    plot_history,
    plot_history_pair,
    plot_online,
    plot_scheduled_runs,
    plot_seeds,
    plot_spread,
    plot_sweeps,
    show_trace_1d,
    show_trace_2d,
    show_traces_2d,
)
from utils.quadratic import f_2d
from utils.schedules import CosineScheduler
from utils.sweep import Sweep
from utils.training import History, train


def test_plot_draws_one_line_per_series_with_labels_and_legend():
    x = np.arange(5)
    ax = plot(
        x,
        [x, x**2],
        "step",
        "value",
        legend=["linear", "square"],
        yscale="log",
        title="t",
    )
    assert len(ax.lines) == 2 and list(ax.lines[1].get_ydata()) == [
        0,
        1,
        4,
        9,
        16,
    ]
    assert (
        ax.get_xlabel(),
        ax.get_ylabel(),
        ax.get_yscale(),
        ax.get_title(),
    ) == ("step", "value", "log", "t")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "linear",
        "square",
    ]
    assert ax.lines[0].get_linestyle() != ax.lines[1].get_linestyle()


def test_plot_takes_one_series_and_no_legend():
    ax = plot([1, 2, 3], [3, 2, 1], "x", "y")
    assert (
        len(ax.lines) == 1
        and ax.get_legend() is None
        and list(ax.lines[0].get_xdata()) == [1, 2, 3]
    )


def test_show_trace_1d_draws_the_curve_and_the_iterates():
    results = [10.0, 6.0, 3.6]
    ax = show_trace_1d(results, lambda x: x**2, title="gd")
    curve, path = ax.lines
    assert list(path.get_xdata()) == results and list(path.get_ydata()) == [
        100.0,
        36.0,
        12.96,
    ]
    assert (
        curve.get_xdata().min() == pytest.approx(-10)
        and path.get_marker() == "o"
    )
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "x",
        "f(x)",
        "gd",
    )


def test_show_trace_2d_draws_the_path_on_contours():
    points = [(-5.0, -2.0), (-4.0, -1.0), (-3.0, 0.0)]
    ax = show_trace_2d(points, title="path")
    assert len(ax.lines) == 1 and ax.collections, (
        "one path on contour lines"
    )
    assert list(ax.lines[0].get_xdata()) == [-5.0, -4.0, -3.0] and list(
        ax.lines[0].get_ydata()
    ) == [-2.0, -1.0, 0.0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "x1",
        "x2",
        "path",
    )
    assert ax.get_xlim() == (-5.5, 1.0) and ax.get_legend() is None


def test_show_trace_2d_adds_a_labelled_path_without_new_contours():
    ax = show_trace_2d([(0, 0), (1, 1)], label="a")
    contours = len(ax.collections)
    show_trace_2d([(0, 1), (1, 0)], ax=ax, label="b", contours=False)
    assert len(ax.collections) == contours and len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_show_traces_2d_side_by_side_and_on_one_picture():
    traces = {
        "a": [(0, 0), (1, 1)],
        "b": [(0, 1), (1, 0)],
        "c": [(1, 1), (0, 0)],
    }
    axes = show_traces_2d(traces, ncols=2)
    assert axes.shape == (2, 2) and [
        ax.get_title() for ax in axes.flat[:3]
    ] == ["a", "b", "c"]
    assert not axes.flat[3].get_visible() and all(
        len(ax.lines) == 1 for ax in axes.flat[:3]
    )
    ax = show_traces_2d(traces, f_2d, title="all", ylim=(-3.0, 3.0))
    assert len(ax.lines) == 3 and ax.get_title() == "all"
    assert ax.get_ylim() == (-3.0, 3.0) and ax.get_xlim() == (-5.5, 1.0)
    axes = show_traces_2d(traces, ncols=3, xlim=(-1.0, 2.0))
    assert all(ax.get_xlim() == (-1.0, 2.0) for ax in axes.flat)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "a",
        "b",
        "c",
    ]


def test_plot_history_draws_each_run_against_the_chosen_axis():
    runs = [
        History(
            [200, 400], [0.5, 1.0], [0.01, 0.02], [0.3, 0.25], label="x"
        ),
        History(
            [200, 400], [0.5, 1.0], [0.02, 0.05], [0.4, 0.26], label="y"
        ),
    ]
    ax = plot_history(runs, x="seconds", ylim=(0.2, 0.5), title="t")
    assert [list(line.get_xdata()) for line in ax.lines] == [
        [0.01, 0.02],
        [0.02, 0.05],
    ]
    assert [list(line.get_ydata()) for line in ax.lines] == [
        [0.3, 0.25],
        [0.4, 0.26],
    ]
    assert (
        ax.get_xlabel() == "training time (s)"
        and ax.get_xscale() == "log"
        and ax.get_ylim() == (0.2, 0.5)
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["x", "y"]


def test_plot_history_styles_runs_marks_the_optimum_and_moves_the_legend():
    runs = [
        History(
            [200, 400], [0.5, 1.0], [0.01, 0.02], [0.3, 0.25], label="x"
        ),
        History(
            [200, 400], [0.5, 1.0], [0.02, 0.05], [0.3, 0.26], label="y"
        ),
    ]
    ax = plot_history(
        runs,
        fmts=["-", "--"],
        optimum=0.24171,
        legend_outside=True,
        xscale="log",
    )
    assert ax.get_xscale() == "log"
    assert ax.xaxis.get_major_formatter()(0.01, 0) == "0.01"
    first, second, optimum = ax.lines
    assert list(second.get_xdata()) == [0.5, 1.0]
    assert list(second.get_ydata()) == [0.3, 0.26]
    assert (first.get_linestyle(), second.get_linestyle()) == ("-", "--")
    assert list(optimum.get_ydata()) == [0.24171, 0.24171]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "x",
        "y",
        "optimum 0.2417",
    ]
    # anchored just right of the axes, so it covers no curve
    assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1


def test_plot_history_says_when_there_is_nothing_to_show():
    ax = plot_history(History(label="diverged at once"))
    assert ax.texts and ax.texts[0].get_text() == "no finite loss to show"


def test_plot_sweeps_clips_and_marks_what_is_off_the_plot():

    sgd = Sweep(
        [0.001, 0.01, 0.1, 1.0, 10.0],
        [0.5, 0.25, 0.26, 0.5, math.inf],
        [False, False, False, False, True],
        label="sgd",
    )
    adam = Sweep(
        [0.001, 0.01, 0.1, 1.0, 10.0],
        [0.27, 0.25, 0.28, 0.9, 2.0],
        [False] * 5,
        label="adam",
    )
    ax = plot_sweeps(
        {"sgd": sgd, "adam": adam}, ylim=(0.24, 0.30), optimum=0.2417
    )
    curve = ax.lines[0]
    # off the plot, the line climbs to the top edge next to a point on it
    # and is left out elsewhere; markers only on the plot
    assert np.array_equal(
        curve.get_ydata(), [0.30, 0.25, 0.26, 0.30, np.nan], equal_nan=True
    )
    assert curve.get_markevery() == [1, 2]
    assert ax.lines[1].get_markevery() == [0, 1, 2]
    assert ax.get_xscale() == "log" and ax.get_ylim() == (0.24, 0.30)
    assert ax.get_xlim()[0] < 0.001 and ax.get_xlim()[1] > 10.0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "sgd",
        "adam",
        "above 0.3 (strip)",
        "diverged (strip)",
    ]
    # the strip above the axes: one row per sweep, the first on top, with
    # a triangle where the loss is above the plot and a cross where it is
    # not finite, in the sweep's colour
    (strip,) = ax.child_axes
    assert [t.get_text() for t in strip.get_yticklabels()] == [
        "adam",
        "sgd",
    ]
    marks = {
        (line.get_marker(), line.get_color()): (
            list(line.get_xdata()),
            list(line.get_ydata()),
        )
        for line in strip.lines
        if len(line.get_xdata())
    }
    assert marks == {
        ("^", "C0"): ([0.001, 1.0], [1, 1]),
        ("x", "C0"): ([10.0], [1]),
        ("^", "C1"): ([1.0, 10.0], [0, 0]),
    }
    assert strip.get_xscale() == "log" and strip.get_xlim() == ax.get_xlim()
    ax = plot_sweeps([sgd], colors=["k"], title="t")
    assert ax.lines[0].get_color() == "k"
    assert ax.child_axes[0].get_title() == "t"


def test_plot_history_pair_draws_two_panels_and_one_legend(airfoil_file):

    runs = [
        train(
            O.sgd,
            O.init_sgd_states,
            {"lr": lr},
            *get_data(10),
            num_epochs=1,
            label=f"lr {lr}",
            plot=False,
        )
        for lr in (0.01, 0.05)
    ]
    axes = plot_history_pair(runs)
    assert [ax.get_xlabel() for ax in axes] == [
        "epoch",
        "training time (s)",
    ]
    assert (
        all(ax.get_legend() is None for ax in axes)
        and len(axes[0].figure.legends) == 1
    )
    assert [
        t.get_text() for t in axes[0].figure.legends[0].get_texts()
    ] == ["lr 0.01", "lr 0.05"]


def test_plot_online_draws_one_line_per_run_in_each_panel():

    runs = [
        run_online(
            O.sgd, O.init_sgd_states, {"lr": 0.1}, steps=9, label=name
        )
        for name in ("a", "b")
    ]
    axes = plot_online(runs, every=3, xscale="log")
    assert [len(ax.lines) for ax in axes] == [2, 2]
    assert list(axes[0].lines[0].get_xdata()) == [1, 4, 7, 10]


def _history(losses, label=""):
    epochs = [(i + 1) / len(losses) for i in range(len(losses))]
    return History(
        [200 * (i + 1) for i in range(len(losses))],
        epochs,
        [0.01] * len(losses),
        list(losses),
        label=label,
    )


def test_plot_history_draws_each_run_in_its_own_style():
    runs = [_history([0.3, 0.2], "a"), _history([0.3, 0.2], "b")]
    ax = plot_history(runs, fmts=["-", "--"])
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--"]
    ax = plot_history(runs)
    assert [line.get_linestyle() for line in ax.lines] == ["-", "-"]


def test_plot_gap_draws_each_run_minus_the_reference():
    reference = _history([0.5, 0.4, 0.3], "ref")
    runs = [_history([0.6, 0.4, 0.2], "a"), _history([0.5, 0.5], "b")]
    ax = plot_gap(runs, reference, title="gap")
    zero, a, b = ax.lines
    assert list(zero.get_ydata()) == [0.0, 0.0]
    assert np.allclose(a.get_ydata(), [0.1, 0.0, -0.1])
    assert list(a.get_xdata()) == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert (
        np.allclose(b.get_ydata(), [0.0, 0.1]) and len(b.get_xdata()) == 2
    )
    assert a.get_linestyle() != b.get_linestyle()
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "epoch",
        "loss minus ref's",
        "gap",
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_spread_shades_from_the_lowest_to_the_highest_loss():
    runs = [
        _history([0.5, 0.2]),
        _history([0.3, 0.4]),
        _history([0.4, 0.3]),
    ]
    ax = plot_spread(runs, label="range")
    (band,) = ax.collections
    vertices = band.get_paths()[0].vertices
    assert {tuple(v) for v in vertices} >= {
        (0.5, 0.3),
        (1.0, 0.2),
        (0.5, 0.5),
        (1.0, 0.4),
    }
    assert ax.get_legend_handles_labels()[1] == ["range"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")


def test_show_trace_2d_draws_in_the_style_it_is_given():
    ax = show_trace_2d([(0, 0), (1, 1)], label="a")
    show_trace_2d(
        [(0, 0), (1, 1)], ax=ax, label="b", fmt="--", contours=False
    )
    first, second = ax.lines
    assert (first.get_linestyle(), first.get_marker()) == ("-", "o")
    assert (second.get_linestyle(), second.get_marker()) == ("--", "None")


def test_plot_scheduled_runs_draws_losses_and_learning_rates(airfoil_file):
    schedules = [lambda k: 0.05, CosineScheduler(150, 0.2, warmup_steps=10)]
    runs = [
        train(
            O.sgd,
            O.init_sgd_states,
            {},
            *get_data(10),
            num_epochs=1,
            schedule=schedule,
            label=label,
            plot=False,
        )
        for schedule, label in zip(schedules, ["constant", "cosine"])
    ]
    axes = plot_scheduled_runs(
        runs, schedules, updates_per_epoch=150, yscale="log"
    )
    assert [ax.get_xlabel() for ax in axes] == ["epoch", "epoch"]
    assert [ax.get_ylabel() for ax in axes] == ["loss", "learning rate η"]
    assert axes[0].get_yscale() == "log"
    assert axes[0].yaxis.get_major_formatter()(0.1, 0) == "0.1"
    minor = axes[0].yaxis.get_minor_formatter()
    assert [minor(v, 0) for v in (0.3, 0.4, 2.0)] == ["0.3", "", "2"]
    assert [list(line.get_ydata()) for line in axes[0].lines] == [
        run.losses for run in runs
    ]
    constant, cosine = axes[1].lines
    assert list(constant.get_ydata()) == [0.05] * 150
    assert list(cosine.get_ydata()) == [schedules[1](k) for k in range(150)]
    assert list(cosine.get_xdata()) == [k / 150 for k in range(150)]
    assert all(ax.get_legend() is None for ax in axes)
    assert [
        t.get_text() for t in axes[0].figure.legends[0].get_texts()
    ] == [
        "constant",
        "cosine",
    ]
    with pytest.raises(ValueError, match="one schedule per run"):
        plot_scheduled_runs(runs, schedules[:1], updates_per_epoch=150)


def test_plot_seeds_draws_each_seed_and_the_mean_at_the_best_lr():
    sweeps = {
        "sgd": Sweep(
            [0.01, 0.1],
            [0.2, 0.15],
            [False, False],
            label="SGD",
            runs=[[0.21, 0.14], [0.19, 0.16]],
        ),
        "adam": Sweep(
            [0.01, 0.1],
            [0.05, math.inf],
            [False, True],
            label="Adam",
            runs=[[0.04, math.inf], [0.06, 0.3]],
        ),
    }
    assert sweeps["adam"].best_runs == [0.04, 0.06]
    ax = plot_seeds(sweeps, floor=0.2417, title="seeds")
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    bars = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert [list(d.get_ydata()) for d in dots] == [
        [0.14, 0.16],
        [0.04, 0.06],
    ]
    assert [list(d.get_xdata()) for d in dots] == [[0, 0], [1, 1]]
    assert [list(b.get_ydata()) for b in bars] == [
        [0.15, 0.15],
        [0.05, 0.05],
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "SGD\nη = 0.1",
        "Adam\nη = 0.01",
    ]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "final loss"
    assert any(line.get_ydata()[0] == 0.2417 for line in ax.lines)
    assert ax.get_title() == "seeds"
    assert [d.get_color() for d in dots] == ["C0", "C1"]
    assert all(t.get_rotation() == 0 for t in ax.get_xticklabels())
    ax = plot_seeds(sweeps, colors=["k", "C5"], rotation=30)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [d.get_color() for d in dots] == ["k", "C5"]
    assert [t.get_rotation() for t in ax.get_xticklabels()] == [30, 30]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "SGD, η = 0.1",
        "Adam, η = 0.01",
    ]
    assert all(t.get_ha() == "right" for t in ax.get_xticklabels())


def test_the_y_axis_can_be_logarithmic():
    run = History([200, 400], [0.5, 1.0], [0.01, 0.02], [0.3, 0.05])
    assert plot_history(run, yscale="log").get_yscale() == "log"
    axes = plot_history_pair([run], yscale="log")
    assert [ax.get_yscale() for ax in axes] == ["log", "log"]
    sweep = Sweep([0.01, 0.1], [0.3, 0.05], [False, False], label="x")
    ax = plot_sweeps([sweep], ylim=(0.02, 0.5), yscale="log")
    assert ax.get_yscale() == "log" and list(ax.lines[0].get_ydata()) == [
        0.3,
        0.05,
    ]


def test_log_axes_get_plain_labels_and_a_legend_can_go_outside():
    runs = [
        History([200, 400], [0.5, 1.0], [0.01, 0.02], [0.3, 0.05], label=a)
        for a in "xy"
    ]
    ax = plot_history(runs, yscale="log", legend_outside=True)
    label = ax.yaxis.get_major_formatter()
    assert [label(v) for v in (0.01, 0.03, 0.2, 0.5, 0.07, 1.0)] == [
        "0.01",
        "0.03",
        "0.2",
        "0.5",
        "",
        "1",
    ]
    assert ax.yaxis.get_minor_formatter()(0.03) == "0.03"
    # a longer axis keeps fewer labels, so that they do not collide
    values = (0.001, 0.002, 0.003, 0.005, 0.01, 0.03)
    for ylim, kept in [
        ((0.01, 1.0), ["0.001", "0.002", "0.003", "0.005", "0.01", "0.03"]),
        ((0.001, 1.0), ["0.001", "", "0.003", "", "0.01", "0.03"]),
        ((1e-5, 1.0), ["0.001", "", "", "", "0.01", ""]),
    ]:
        ax.set_ylim(*ylim)
        assert [label(v) for v in values] == kept, ylim
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
