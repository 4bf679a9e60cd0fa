"""Every self-checking exercise fails plausible wrong answers, and passes
its solution.

Each case runs the notebook's own cells in this process: the import cell,
the cells before the exercise that only define functions, the exercise cell
with its solution region replaced by a wrong answer, and the exercise's
check cell. The check must write FAIL (on stderr, which is what makes
nbgrader give the cell no points) and no PASS. The wrong answers live here,
not in the notebooks.
"""

import ast
import contextlib
import io
import sys
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
from markers import BEGIN, CHECK_TAG, END  # noqa: E402

# notebook: {function the student writes: [wrong answers for its solution
# region]}
WRONG = {
    "01_gradient_descent_and_sgd": {
        "sgd_weight_decay": [
            "p -= lr * p.grad",  # ignores wd
            "p -= lr * p.grad + wd * p",  # decay without the learning rate
            "p -= lr * (p.grad - wd * p)",  # the wrong sign
        ],
        "step_sizes": [
            "return 0.5, 1.0",  # right at c = 1 only
            "return 1 / c, 2 / c",
            "return 1 / (2 * c)",  # one number
        ],
    },
    "02_momentum": {
        "sgd_nesterov": [
            "v[:] = momentum * v + p.grad\np -= lr * v",  # plain momentum
            "v = momentum * v + p.grad\np -= lr * (p.grad + momentum * v)",
        ],
        "largest_stable_lr": [
            "return 2 * (1 + momentum) / 4",  # ignores the curvature
            "return 2 / curvature",  # ignores the momentum
            "return (1 + momentum) / curvature",
        ],
    },
    "03_adagrad": {
        "adagrad_lr_decay": [
            "s[:] = s + p.grad**2\np -= lr * p.grad / (torch.sqrt(s) + "
            "eps)",
            "clr = lr / (1 + t * lr_decay)\ns[:] = s + p.grad**2\n"
            "p -= clr * p.grad / (torch.sqrt(s) + eps)",  # t off by one
            "clr = lr / (1 + (t - 1) * lr_decay)\ns[:] = s + p.grad**2\n"
            # eps inside the root
            "p -= clr * p.grad / torch.sqrt(s + eps)",
        ],
    },
    "04_rmsprop": {
        "centered_rmsprop": [
            "s[:] = gamma * s + (1 - gamma) * p.grad**2\n"
            "m[:] = gamma * m + (1 - gamma) * p.grad\n"
            "p -= lr * p.grad / (torch.sqrt(s) + eps)",  # not centered
            "s[:] = gamma * s + (1 - gamma) * p.grad**2\n"
            "m = gamma * m + (1 - gamma) * p.grad\n"
            # m stateless
            "p -= lr * p.grad / (torch.sqrt(s - m**2) + eps)",
            "s[:] = gamma * s + (1 - gamma) * p.grad**2\n"
            "m[:] = gamma * m + (1 - gamma) * p.grad\n"
            "p -= lr * p.grad / torch.sqrt(s - m**2 + eps)",  # eps inside
        ],
    },
    "05_adadelta": {
        "adadelta_steps": [
            "s = rho * s + (1 - rho) * g**2\n"
            "step = (delta + eps) ** 0.5 / (s + eps) ** 0.5 * g\n"
            "lengths.append(abs(step))",  # delta never updated
            "s = rho * s + (1 - rho) * g**2\n"
            "step = (delta**0.5 + eps) / (s**0.5 + eps) * g\n"
            "delta = rho * delta + (1 - rho) * step**2\n"
            "lengths.append(abs(step))",  # eps outside the roots
            "s = rho * s + (1 - rho) * g**2\n"
            "step = (delta + eps) ** 0.5 / (s + eps) ** 0.5 * g\n"
            "delta = rho * delta + (1 - rho) * g**2\n"  # averages g^2
            "lengths.append(abs(step))",
            "s = rho * s + (1 - rho) * g**2\n"
            "delta = rho * delta + (1 - rho) * s\n"  # delta first
            "step = (delta + eps) ** 0.5 / (s + eps) ** 0.5 * g\n"
            "lengths.append(abs(step))",
        ],
    },
    "06_adam": {
        "adam_no_bias_correction": [
            "v = beta1 * v + (1 - beta1) * p.grad\n"
            "s = beta2 * s + (1 - beta2) * p.grad**2\n"
            "p -= lr * v / (torch.sqrt(s) + eps)",  # stateless
            "p -= 3.16 * lr * torch.sign(p.grad)",  # the first step only
            "v[:] = beta1 * v + (1 - beta1) * p.grad\n"
            "s[:] = beta2 * s + p.grad**2\n"  # s without its (1 - beta2)
            "p -= lr * v / (torch.sqrt(s) + eps)",
        ],
        "adamax": [
            "v[:] = beta1 * v + (1 - beta1) * p.grad\n"
            "u[:] = beta2 * u + (1 - beta2) * p.grad**2\n"
            "p -= lr / (1 - beta1**t) * v / (torch.sqrt(u) + eps)",  # Adam
            "v[:] = beta1 * v + (1 - beta1) * p.grad\n"
            "u[:] = torch.maximum(beta2 * u, p.grad.abs() + eps)\n"
            "p -= lr / (1 - beta1**t) * v / (u / (1 - beta2**t))",
            "v[:] = beta1 * v + (1 - beta1) * p.grad\n"
            "u[:] = torch.maximum(beta2 * u, p.grad.abs()) + eps\n"
            "p -= lr / (1 - beta1**t) * v / u",  # eps outside the maximum
        ],
    },
    "07_yogi": {
        "init_yogi_states_peer": [
            # the course's start, v = 0
            "return [(torch.zeros_like(p), torch.full_like(p, YOGI_S0)) "
            "for p in params]",
            # the two values swapped
            "return [(torch.full_like(p, YOGI_S0), torch.zeros_like(p)) "
            "for p in params]",
            # one tensor for both moments
            "return [(s, s) for s in "
            "[torch.full_like(p, YOGI_S0) for p in params]]",
            # numbers, not tensors shaped like the parameters
            "return [(torch.tensor(YOGI_S0), torch.tensor(YOGI_S0)) "
            "for p in params]",
        ],
        "init_yogi_states_from_grad": [
            "return [(torch.zeros_like(p), p.grad) for p in params]",
            "return [(torch.zeros_like(p), p.grad.pow_(2)) for p in "
            "params]",
            "return [(p.grad.clone(), p.grad**2) for p in params]",
        ],
    },
    "08_where_adam_fails": {
        "adam_memory": [
            "return [8.1, 1.71, 1.071], 8.1",  # the first input only
            "s, history = 0.0, []\nfor g in grads:\n"
            "    s = beta2 * s + (1 - beta2) * g**2\n"
            "    history.append(s)\nreturn history, history[-1]",
            "s, history = 0.0, []\nfor t, g in enumerate(grads, 1):\n"
            "    s = beta2 * s + (1 - beta2) * g**2\n"
            "    history.append(s / (1 - beta2**t))\n"
            "return history, max(history)",  # bias-corrected
        ],
    },
    "09_schedules": {
        "poly": [
            "return base_lr * (1 - t / max_update) ** power",  # no floor
            "return base_lr * (1 - min(t + 1, max_update) / max_update) "
            "** power",  # t off by one
            "return base_lr * (1 - min(t, max_update) / max_update)",
            "return 0.2 * (1 - min(t, 300) / 300) ** 2",  # one setting only
        ],
    },
    "10_networks": {
        "permute_hidden": [
            "return W1[perm], b1[perm], W2",  # the next layer not rewired
            "return W1[perm], b1, W2[:, perm]",  # the bias left behind
            # the inverse permutation for W2: right when perm is its own
            # inverse only
            "return W1[perm], b1[perm], W2[:, torch.argsort("
            "torch.tensor(perm))]",
            "return W1[:, perm], b1[perm], W2[perm]",  # the wrong axes
        ],
    },
    "11_after_adam": {
        "adam_l2": [
            "pass",  # no decay
            'p *= 1 - hyperparams["lr"] * weight_decay',  # decoupled: AdamW
            "p.grad -= weight_decay * p",  # the wrong sign
            "p.grad += weight_decay",  # ignores the weight
        ],
        "orthogonalize": [
            "return G / torch.linalg.norm(G)",  # normalised only
            "from utils.optimizers import newton_schulz\n"
            "return newton_schulz(G)",  # Muon's approximation
            "U, S, Vh = torch.linalg.svd(G, full_matrices=False)\n"
            "return U",  # right for square inputs only
            "U, S, Vh = torch.linalg.svd(G, full_matrices=False)\n"
            "return Vh.T @ U.T",  # transposed
            "return torch.sign(G)",  # Lion's sign
        ],
    },
    "12_comparison": {
        "largest_stable_lr": [
            "return 0.9530692",  # the airfoil value for SGD only
            # ignores the momentum: gradient descent's bound
            "return 2 / torch.linalg.eigvalsh(X.T @ X / "
            "len(X)).max().item()",
            # the Hessian without / n
            "return 2 * (1 + momentum) / torch.linalg.eigvalsh("
            "X.T @ X).max().item()",
            # 1 + beta missing its factor 2
            "return (1 + momentum) / torch.linalg.eigvalsh(X.T @ X / "
            "len(X)).max().item()",
            # divides by 1 - beta, the velocity's gain
            "return 2 / (1 - momentum) / torch.linalg.eigvalsh("
            "X.T @ X / len(X)).max().item()",
        ],
        "with_warmup": [
            'hyperparams["lr"] = lr * min(1.0, calls / warmup_steps)\n'
            "trainer_fn(params, states, hyperparams)",  # lr not restored
            'hyperparams["lr"] = lr * min(1.0, (calls - 1) / '
            "warmup_steps)\n"
            "trainer_fn(params, states, hyperparams)\n"
            'hyperparams["lr"] = lr',  # off by one
            "scaled = lr * min(1.0, calls / warmup_steps)\n"
            'trainer_fn(params, states, {**hyperparams, "lr": scaled})',
        ],
    },
}


def code_cells(path):
    return [
        c
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "code"
    ]


def _defines_only(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    kinds = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    return bool(body) and all(isinstance(node, kinds) for node in body)


def _defines(source: str, name: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return any(
        isinstance(n, ast.FunctionDef) and n.name == name for n in body
    )


def replace_solution(source: str, answer: str) -> str:
    """The cell with its (only) solution region replaced by `answer`."""
    lines = source.split("\n")
    begin = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    end = next(i for i, line in enumerate(lines) if line.strip() == END)
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    return "\n".join(
        lines[:begin]
        + textwrap.indent(answer, indent).split("\n")
        + lines[end + 1 :]
    )


def exercise(path: Path, name: str):
    """(cells to run first, the exercise cell, its check cell) for function
    `name`."""
    cells = code_cells(path)
    index = next(
        i
        for i, c in enumerate(cells)
        if BEGIN in c.source and _defines(c.source, name)
    )
    check = next(
        c
        for c in cells[index + 1 :]
        if CHECK_TAG in c.metadata.get("tags", [])
    )
    setup = [cells[1].source] + [
        c.source for c in cells[2:index] if _defines_only(c.source)
    ]
    return setup, cells[index].source, check.source


def run(sources: list[str]) -> tuple[str, str]:
    out, err, namespace = (
        io.StringIO(),
        io.StringIO(),
        {"__name__": "__main__"},
    )
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    plt.close("all")
    return out.getvalue(), err.getvalue()


CASES = [
    (notebook, name, k, answer)
    for notebook, exercises in WRONG.items()
    for name, answers in exercises.items()
    for k, answer in enumerate(answers)
]


@pytest.mark.parametrize(
    "notebook, name, k, answer",
    CASES,
    ids=[f"{n}-{f}-{k}" for n, f, k, _ in CASES],
)
def test_a_wrong_answer_fails_its_check(
    airfoil_file, notebook, name, k, answer
):
    setup, cell, check = exercise(
        ROOT / "notebooks" / f"{notebook}.ipynb", name
    )
    out, err = run([*setup, replace_solution(cell, answer), check])
    assert "FAIL" in err and "PASS" not in out, (
        f"{name} passed a wrong answer:\n{answer}"
    )


@pytest.mark.parametrize(
    "notebook, name", [(n, f) for n, e in WRONG.items() for f in e]
)
def test_the_solution_passes_its_check(airfoil_file, notebook, name):
    setup, cell, check = exercise(
        ROOT / "notebooks" / f"{notebook}.ipynb", name
    )
    out, err = run([*setup, cell, check])
    assert out.startswith("PASS") and "FAIL" not in out + err, err


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_self_check_has_at_least_two_wrong_answers(path):
    cells = code_cells(path)
    checked = []
    for i, cell in enumerate(cells):
        if CHECK_TAG in cell.metadata.get("tags", []):
            solution = next(
                c for c in reversed(cells[:i]) if BEGIN in c.source
            )
            names = [
                n.name
                for n in ast.parse(solution.source).body
                if isinstance(n, ast.FunctionDef)
            ]
            checked.append(names[-1])
    wrong = WRONG.get(path.stem, {})
    assert checked, "a notebook needs at least one self-checking exercise"
    for name in checked:
        assert len(wrong.get(name, [])) >= 2, (
            f"{path.stem}: add wrong answers for {name}"
        )
