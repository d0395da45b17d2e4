"""Chapter 6: the hand-written grid, the Optuna objective, budgets, and studies shared by workers.

The worker tests start ``python -m codes.hpo`` as separate processes on MNIST (a few hundred
images, one epoch), kill one, and run two at once on SQLite and (marked ``postgres``) on a
throwaway PostgreSQL server.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch

from codes.hpo import (
    best_curve,
    build_model,
    compare_methods,
    count_states,
    grid,
    grid_search_by_hand,
    make_objective,
    spent_seconds,
    storage,
    train_and_validate,
)

ROOT = Path(__file__).parents[1]
SHARED_DATA = Path(os.environ.get("NN_DATA_DIR") or ROOT.parent / "shared/data")
GRID = {"hidden_size": [32, 48], "num_layers": [1, 2], "dropout": [0.0], "lr": [1e-3, 1e-2],
        "batch_size": [32]}
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def data():
    """Random 'images' with random labels: enough to check bookkeeping, fast to train."""
    rng = np.random.default_rng(0)
    x = rng.random((160, 784), dtype=np.float32)
    y = rng.integers(0, 10, 160)
    return x[:96], y[:96], x[96:], y[96:]


def test_build_model_both_kinds_and_a_clear_error():
    mlp = build_model("mlp", {"hidden_size": 64, "num_layers": 3, "dropout": 0.1})
    widths = [m.out_features for m in mlp.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [64, 32, 16, 10]  # widths halve layer by layer
    lstm = build_model("lstm", {"hidden_size": 8, "num_layers": 2, "dropout": 0.0,
                                "bidirectional": True})
    assert lstm(torch.zeros(3, 28, 28)).shape == (3, 10)
    with pytest.raises(ValueError, match="Unbekanntes Modell"):
        build_model("cnn", {})


def test_grid_by_hand_visits_every_point_once():
    seen = []
    results, best = grid_search_by_hand(
        {"a": [1, 2, 3], "b": [True, False]}, lambda p: seen.append(p) or p["a"] + p["b"])
    assert len(results) == len(seen) == 6 == len(grid({"a": [1, 2, 3], "b": [True, False]}))
    assert len({tuple(p.items()) for p in seen}) == 6
    assert best == {"a": 3, "b": True, "val_acc": 4}


def test_grid_sampler_reproduces_the_grid_by_hand_exactly(data):
    device = torch.device("cpu")
    by_hand, best = grid_search_by_hand(
        GRID, lambda p: train_and_validate("mlp", p, data, epochs=2, device=device)[1])
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.GridSampler(GRID, seed=3),
                                pruner=optuna.pruners.NopPruner())
    study.optimize(make_objective("mlp", data, epochs=2, device=device))
    assert len(study.trials) == len(by_hand) == 8
    optuna_results = {tuple(sorted(t.params.items())): t.value for t in study.trials}
    for row in by_hand:
        params = {k: v for k, v in row.items() if k != "val_acc"}
        assert optuna_results[tuple(sorted(params.items()))] == row["val_acc"]  # bit for bit
    assert study.best_value == best["val_acc"]


def test_pruned_trials_keep_their_compute_time(data):
    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.ThresholdPruner(lower=1.1))  # prune all
    study.optimize(make_objective("mlp", data, epochs=3), n_trials=2)
    assert all(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    assert all(list(t.intermediate_values) == [1] for t in study.trials)  # stopped after epoch 1
    assert spent_seconds(study) > 0
    assert count_states(study) == (2, 2)


def test_equal_budget_comparison_stops_every_method_at_the_grid_budget(data, tmp_path):
    samplers = optuna.samplers
    methods = {
        "Grid": lambda s: (samplers.GridSampler(GRID, seed=s), optuna.pruners.NopPruner()),
        "Random": lambda s: (samplers.RandomSampler(seed=s), optuna.pruners.NopPruner()),
    }
    objective = make_objective("mlp", data, epochs=1)
    studies, budget = compare_methods(methods, objective, seeds=[0, 1],
                                      url=f"sqlite:///{tmp_path / 'b.db'}")
    assert budget == max(spent_seconds(s) for s in studies["Grid"])
    for study in studies["Random"]:
        assert spent_seconds(study) >= budget  # ran until the budget was used up
        curve = best_curve(study, budget)
        assert curve[-1, 0] <= budget and np.all(np.diff(curve[:, 1]) >= 0)


def test_storage_default_env_and_bad_url(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NN_OPTUNA_STORAGE", raising=False)
    assert storage().url == "sqlite:///optuna.db"
    monkeypatch.setenv("NN_OPTUNA_STORAGE", f"sqlite:///{tmp_path / 'x.db'}")
    assert storage().url.endswith("x.db")
    with pytest.raises(ValueError, match="Datenbank-URL"):
        storage("optuna.db")


# --- workers in their own processes --------------------------------------------------------

def start_worker(url, study, trials):
    env = {**os.environ, "NN_OPTUNA_STORAGE": url, "NN_DATA_DIR": str(SHARED_DATA),
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "codes.hpo", "--study", study, "--trials", str(trials),
               "--n-train", "300", "--epochs", "1"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finished_trials(url, study):
    try:
        trials = optuna.load_study(study_name=study, storage=url).trials
    except KeyError:  # the worker has not created the study yet
        return []
    return [t for t in trials if t.state in FINISHED]


def wait(process, timeout=240):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output


def check_every_trial_finished_once(url, study, n_trials, n_workers):
    trials = optuna.load_study(study_name=study, storage=url).trials
    finished = [t for t in trials if t.state in FINISHED]
    # each worker checks the shared count after its trial, so others may add one each
    assert n_trials <= len(finished) <= n_trials + n_workers - 1
    assert len({t.number for t in trials}) == len(trials)  # no trial stored twice
    assert not [t for t in trials if t.state == optuna.trial.TrialState.RUNNING]
    assert all(t.value is not None or t.state == optuna.trial.TrialState.PRUNED
               for t in finished)


def test_killed_worker_resumes_without_losing_or_repeating_trials(tmp_path):
    url, study, n_trials = f"sqlite:///{tmp_path / 'resume.db'}", "abbruch", 10
    worker = start_worker(url, study, n_trials)
    deadline = time.monotonic() + 180
    while len(finished_trials(url, study)) < 3:
        assert worker.poll() is None and time.monotonic() < deadline, "Worker kam nicht voran"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # no clean-up: as if the machine went down
    worker.wait()
    before = {t.number: (t.params, t.value) for t in finished_trials(url, study)}
    wait(start_worker(url, study, n_trials))
    after = finished_trials(url, study)
    assert len(after) == n_trials  # one worker: exactly the asked number, not more
    assert {t.number: (t.params, t.value) for t in after if t.number in before} == before
    interrupted = [t for t in optuna.load_study(study_name=study, storage=url).trials
                   if t.state not in FINISHED]
    assert len(interrupted) <= 1  # at most the trial that was running at the kill


def test_two_workers_share_one_sqlite_study(tmp_path):
    url, study = f"sqlite:///{tmp_path / 'shared.db'}", "zwei-worker"
    workers = [start_worker(url, study, 12) for _ in range(2)]
    for worker in workers:
        wait(worker)
    check_every_trial_finished_once(url, study, 12, 2)


# --- PostgreSQL ------------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def as_postgres_user(args, **kwargs):
    """initdb refuses root: run the server tools as the 'postgres' system user then."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    result = subprocess.run(prefix + [str(a) for a in args], capture_output=True, text=True,
                            **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL server on a Unix socket in a temporary folder."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("NN_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL fehlt in {PG_BIN}: apt-get install -y postgresql")
        pytest.skip("PostgreSQL-Server nicht installiert (apt-get install -y postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="nn-postgres-"))  # /tmp: reachable for 'postgres'
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", 55432 + os.getpid() % 1000
    as_postgres_user([PG_BIN / "initdb", "-D", data, "-U", "optuna", "--auth=trust"])
    as_postgres_user([PG_BIN / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "start",
                      "-o", f"-k {folder} -p {port} -c listen_addresses=''"])
    try:
        as_postgres_user([PG_BIN / "createdb", "-h", folder, "-p", port, "-U", "optuna",
                          "studien"])
        yield f"postgresql+psycopg://optuna@/studien?host={folder}&port={port}"
    finally:
        as_postgres_user([PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
def test_two_workers_share_one_postgres_study(postgres_url):
    study = "postgres-zwei-worker"
    workers = [start_worker(postgres_url, study, 12) for _ in range(2)]
    for worker in workers:
        wait(worker)
    check_every_trial_finished_once(postgres_url, study, 12, 2)


# --- tables and figures ----------------------------------------------------------------------

def test_budget_table_and_figures_are_german(data):
    import matplotlib

    matplotlib.use("Agg")
    from codes.hpo_plots import (
        BEST_CELL,
        budget_table,
        german_history,
        german_importances,
        plot_budget,
        style_budget_table,
    )

    studies = {}
    for name, sampler in {"Random": optuna.samplers.RandomSampler,
                          "TPE": optuna.samplers.TPESampler}.items():
        studies[name] = []
        for seed in (0, 1):
            study = optuna.create_study(direction="maximize", sampler=sampler(seed=seed))
            study.optimize(make_objective("mlp", data, epochs=1), n_trials=4)
            studies[name].append(study)
    budget = max(spent_seconds(s) for runs in studies.values() for s in runs)
    table = budget_table(studies, budget)
    assert list(table.columns) == ["Mittel", "Streuung", "Minimum", "Maximum", "Versuche",
                                   "davon abgebrochen"]
    html = style_budget_table(table).to_html()
    assert BEST_CELL.split(";")[1].strip() in html  # dark text on the light green
    assert "failed" not in html and "status" not in html.lower() and "." not in (
        table.loc["TPE"].map(lambda v: f"{v:.1f}".replace(".", ",")).str.cat())
    ax = plot_budget(studies, budget)
    assert ax.get_xlabel().startswith("Rechenzeit") and "." not in ax.get_yticklabels()[1].get_text()
    history = german_history(studies["TPE"][0])
    assert history.get_xlabel() == "Versuch" and history.get_title() == "Verlauf der Suche"
    importance = german_importances(studies["TPE"][0])
    assert all("." not in text.get_text() for text in importance.texts)
