"""The exercise checks: PASS on stdout for right answers, FAIL and the hint
on stderr for wrong or unfinished ones, whatever the reader's code does."""

import pytest
import torch

from utils import optimizers as O
from utils.checks import (
    WIDTH,
    check_function,
    check_optimizer,
    check_schedule,
    differences,
    network_problem,
    torch_schedule,
    with_lr_schedule,
)
from utils.schedules import CosineScheduler


def SGD(p):
    return torch.optim.SGD(p, lr=0.1)


def rmsprop_eps_inside(params, states, hyperparams):
    """d2l's RMSprop puts eps inside the square root: a real, small
    difference the check must see."""
    with torch.no_grad():
        for p, (s,) in zip(params, states):
            s[:] = 0.9 * s + 0.1 * p.grad**2
            p -= hyperparams["lr"] * p.grad / torch.sqrt(s + 1e-6)


def test_a_correct_optimizer_passes_on_stdout(capsys):
    check_optimizer(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.1},
        SGD,
        name="torch.optim.SGD",
        steps=20,
    )
    out, err = capsys.readouterr()
    assert (
        out
        == "PASS: sgd agrees with torch.optim.SGD at all 20 steps "
        "(within 1e-10).\n"
        and err == ""
    )


def test_a_small_difference_fails_on_stderr_with_the_step_and_the_hint(
    capsys,
):
    def reference(p):
        return torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6)

    assert (
        max(
            differences(
                rmsprop_eps_inside,
                O.init_rmsprop_states,
                {"lr": 0.01},
                reference,
                50,
            )
        )
        > 1e-10
    )
    check_optimizer(
        rmsprop_eps_inside,
        O.init_rmsprop_states,
        {"lr": 0.01},
        reference,
        name="RMSprop",
        hint="look at eps",
    )
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        "FAIL: rmsprop_eps_inside differs from RMSprop at step 1 of 200"
    )
    assert err.endswith("Hint: look at eps\n")


def test_an_unfinished_exercise_fails(capsys):
    def todo(params, states, hyperparams):
        raise NotImplementedError("write the update")

    check_optimizer(
        todo, O.init_sgd_states, {"lr": 0.1}, SGD, hint="x <- x - lr * g"
    )
    assert (
        capsys.readouterr().err
        == "FAIL: todo is not implemented yet.\nHint: x <- x - lr * g\n"
    )


def test_any_crash_and_a_wrong_key_fail_instead_of_raising(capsys):
    def crashes(params, states, hyperparams):
        return 1 / 0

    check_optimizer(crashes, O.init_sgd_states, {"lr": 0.1}, SGD)
    assert (
        "FAIL: crashes raised ZeroDivisionError" in capsys.readouterr().err
    )
    check_optimizer(O.sgd, O.init_sgd_states, {"lr": 0.1, "wd": 0.1}, SGD)
    assert (
        "FAIL: sgd raised ValueError: sgd does not read the hyperparameter "
        "'wd'" in capsys.readouterr().err
    )


def test_nan_is_never_within_the_tolerance(capsys):
    def nan(params, states, hyperparams):
        with torch.no_grad():
            for p in params:
                p.fill_(float("nan") * hyperparams["lr"])

    check_optimizer(nan, O.init_sgd_states, {"lr": 0.1}, SGD, steps=3)
    assert capsys.readouterr().err.startswith("FAIL: nan differs")


def double(x, scale=2.0):
    return scale * x


@pytest.mark.parametrize(
    "fn, ok",
    [
        (double, True),
        (
            lambda x, scale=2.0: scale * x + 1e-9,
            True,
        ),  # within the tolerance
        (lambda x, scale=2.0: scale * x + 1e-3, False),
        (lambda x, scale=2.0: 2.0 * x, False),  # an ignored argument
        (
            lambda x, scale=2.0: scale * 3.0,
            False,
        ),  # right at a single input only
    ],
)
def test_check_function_tries_every_input(capsys, fn, ok):
    check_function(fn, [((3.0,), 6.0), ((1.5, 4.0), 6.0)], hint="multiply")
    out, err = capsys.readouterr()
    assert (out.startswith("PASS") and err == "") == ok
    assert ("Hint: multiply" in err) != ok


def test_check_function_compares_sequences_and_tensors(capsys):
    check_function(
        lambda: (torch.tensor([1.0, 2.0]), [3.0]), [((), ([1.0, 2.0], 3.0))]
    )
    assert capsys.readouterr().out.startswith("PASS")
    check_function(
        lambda: [1.0, 2.0], [((), ([1.0, 2.0], 3.0))]
    )  # one number short
    assert "which is not what we expected" in capsys.readouterr().err


@pytest.mark.parametrize(
    "returned, message",
    [
        (None, "which is not a number"),
        ("0.5", "which is not a number"),
        ((0.5, 1.0), "which is not what we expected"),
    ],
)
def test_check_function_reports_a_wrong_kind_of_answer(
    capsys, returned, message
):
    check_function(lambda: returned, [((), 0.5)])
    assert message in capsys.readouterr().err


def test_check_function_reports_a_crash_and_a_stub(capsys):
    def stub():
        raise NotImplementedError

    check_function(stub, [((), 1.0)], hint="h")
    assert (
        capsys.readouterr().err
        == "FAIL: stub is not implemented yet.\nHint: h\n"
    )
    check_function(lambda: [][1], [((), 1.0)])
    assert "raised IndexError" in capsys.readouterr().err


def test_check_function_never_prints_the_expected_value(capsys):
    check_function(lambda x: 0.123, [((torch.zeros(100, 5),), 0.987654)])
    err = capsys.readouterr().err
    assert "0.987654" not in err and "<Tensor of shape (100, 5)>" in err


def test_with_lr_schedule_multiplies_the_learning_rate_at_each_step():
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    reference = with_lr_schedule(torch.optim.SGD([p], lr=1.0), lambda t: t)
    for _ in range(3):
        p.grad = torch.ones(1, dtype=torch.float64)
        reference.step()
    assert p.item() == -(1 + 2 + 3)


def test_messages_fit_a_notebook_line(capsys):
    def reference(p):
        return torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)

    check_optimizer(
        O.sgd,
        O.init_sgd_states,
        {"lr": 0.1},
        reference,
        name="torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)",
        hint="a hint " * 20,
    )
    err = capsys.readouterr().err
    assert err.startswith("FAIL: sgd differs from torch.optim.SGD(lr=0.1,")
    lines = err.splitlines()
    assert len(lines) > 3 and max(map(len, lines)) <= WIDTH


def cosine_annealing(optimizer):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)


def test_torch_schedule_reads_the_lr_of_each_update():
    lrs = torch_schedule(
        lambda opt: torch.optim.lr_scheduler.MultiStepLR(opt, [2], 0.1),
        1.0,
        4,
    )
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.1])


def test_check_schedule_passes_a_twin_on_stdout(capsys):
    check_schedule(
        CosineScheduler(30, base_lr=0.5),
        cosine_annealing,
        0.5,
        31,
        name="CosineAnnealingLR",
    )
    out, err = capsys.readouterr()
    assert out == (
        "PASS: CosineScheduler agrees with CosineAnnealingLR at all 31 "
        "updates\n  (within 1e-12).\n"
    )
    assert err == ""


@pytest.mark.parametrize(
    "schedule, says",
    [
        (lambda k: 0.5, "gives update 1 the learning rate 0.5;"),
        (CosineScheduler(30, base_lr=0.5, final_lr=1e-9), "update 1 "),
        (lambda k: [0.5][k], "raised IndexError"),
    ],
)
def test_check_schedule_fails_a_difference_on_stderr(
    capsys, schedule, says
):
    check_schedule(schedule, cosine_annealing, 0.5, 31, hint="look")
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("FAIL") and says in err
    assert err.rstrip().endswith("Hint: look")


def test_the_network_problem_checks_an_optimizer_on_the_course_mlp(
    airfoil_file, capsys
):
    check_optimizer(
        O.adam,
        O.init_adam_states,
        {"lr": 0.01},
        lambda p: torch.optim.Adam(p, lr=0.01),
        name="torch.optim.Adam",
        steps=60,  # past the end of the first epoch (47 minibatches)
        problem=network_problem(),
    )
    assert capsys.readouterr().out.startswith(
        "PASS: adam agrees with torch.optim.Adam at all 60 steps"
    )
    check_optimizer(
        O.rmsprop,
        O.init_rmsprop_states,
        {"lr": 0.01},
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9),
        steps=5,
        problem=network_problem(),
    )
    assert "FAIL: rmsprop differs" in capsys.readouterr().err
    start, loss = network_problem(seed=1)
    assert [tuple(p.shape) for p in start] == [
        (64, 5),
        (64,),
        (64, 64),
        (64,),
        (1, 64),
        (1,),
    ]
    assert start[0].dtype == torch.float64
    assert loss(start, 0).item() != loss(start, 1).item()


def test_a_check_given_nothing_to_check_raises_instead_of_passing():
    with pytest.raises(ValueError, match="cases"):
        check_function(abs, [])
    with pytest.raises(ValueError, match="steps"):
        check_optimizer(
            O.sgd,
            O.init_sgd_states,
            {"lr": 0.1},
            lambda p: torch.optim.SGD(p, lr=0.1),
            steps=0,
        )
    with pytest.raises(ValueError, match="steps"):
        check_schedule(
            lambda k: 0.1,
            lambda opt: torch.optim.lr_scheduler.ConstantLR(opt, 1.0),
            0.1,
            steps=0,
        )
