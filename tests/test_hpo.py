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
    grid_over,
    grid_search_by_hand,
    make_objective,
    search_space,
    spent_images,
    spent_seconds,
    storage,
    suggest,
    train_and_validate,
    worker_seed,
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
    assert spent_images(study) == 2 * len(data[0])  # one epoch each: work counts to the prune
    assert count_states(study) == (2, 2)


def test_grid_is_a_grid_over_the_one_search_space():
    space = search_space("mlp")
    points = grid_over(space, {"dropout": 1})
    assert points == {"hidden_size": [54, 152], "num_layers": [1, 3], "dropout": [0.25],
                      "lr": [0.00042, 0.0072], "batch_size": [64, 256]}
    for name, values in points.items():  # every grid value is one the samplers may draw
        assert all(space[name]._contains(space[name].to_internal_repr(v)) for v in values)
    trial = optuna.create_study().ask()
    assert set(suggest(trial, "mlp")) == set(space) == set(points)
    assert set(search_space("lstm")) == set(space) | {"bidirectional"}


def test_workers_get_their_own_reproducible_sampler_seeds():
    seeds = [worker_seed(0, w) for w in range(4)] + [worker_seed(1, 0)]
    assert len(set(seeds)) == 5 and seeds[0] == worker_seed(0, 0)
    with pytest.raises(ValueError, match="Nummer des Workers"):
        worker_seed(0, -1)


def run_comparison(data, url):
    samplers, pruners = optuna.samplers, optuna.pruners
    methods = {
        "Grid": lambda s: (samplers.GridSampler(GRID, seed=s), pruners.NopPruner()),
        "Random": lambda s: (samplers.RandomSampler(seed=s), pruners.NopPruner()),
        "TPE mit Pruning": lambda s: (samplers.TPESampler(seed=s, n_startup_trials=2),
                                      pruners.MedianPruner(n_startup_trials=2)),
    }
    return compare_methods(methods, lambda s: make_objective("mlp", data, epochs=2, seed=s),
                           seeds=[0, 1], url=url)


def test_equal_budget_comparison_stops_every_method_at_the_grid_budget(data, tmp_path):
    studies, budget = run_comparison(data, f"sqlite:///{tmp_path / 'b.db'}")
    assert budget == len(GRID["hidden_size"]) * 4 * 2 * len(data[0])  # 8 points x 2 epochs
    assert budget == max(spent_images(s) for s in studies["Grid"])
    grid_values = [sorted(t.value for t in s.trials) for s in studies["Grid"]]
    assert grid_values[0] != grid_values[1]  # the seed varies the training, not only the order
    assert {t.user_attrs["seed"] for t in studies["Grid"][1].trials} == {1}
    for study in studies["Random"] + studies["TPE mit Pruning"]:
        assert spent_images(study) >= budget  # ran until the budget was used up
        curve = best_curve(study, budget)
        assert curve[-1, 0] <= budget and np.all(np.diff(curve[:, 1]) >= 0)
    assert len(studies["Random"][0].trials) == 8  # no pruning: as many trials as the grid


def test_comparison_does_not_depend_on_the_speed_of_the_clock(data, tmp_path, monkeypatch):
    from codes.hpo_plots import budget_table

    def outcome(studies, budget):
        trials = {name: [[(t.params, t.value, t.state) for t in s.trials] for s in runs]
                  for name, runs in studies.items()}
        return trials, budget_table(studies, budget)

    fast = outcome(*run_comparison(data, f"sqlite:///{tmp_path / 'fast.db'}"))
    clock = time.process_time
    monkeypatch.setattr("codes.hpo.time.process_time", lambda: 3 * clock())  # 3x slower
    slow = outcome(*run_comparison(data, f"sqlite:///{tmp_path / 'slow.db'}"))
    assert fast[0] == slow[0]
    assert fast[1].equals(slow[1])


def test_storage_default_env_and_bad_url(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NN_OPTUNA_STORAGE", raising=False)
    assert storage().url == "sqlite:///optuna.db"
    monkeypatch.setenv("NN_OPTUNA_STORAGE", f"sqlite:///{tmp_path / 'x.db'}")
    assert storage().url.endswith("x.db")
    with pytest.raises(ValueError, match="Datenbank-URL"):
        storage("optuna.db")


# --- workers in their own processes --------------------------------------------------------

def start_worker(url, study, trials, worker=0, sampler="tpe"):
    env = {**os.environ, "NN_OPTUNA_STORAGE": url, "NN_DATA_DIR": str(SHARED_DATA),
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "codes.hpo", "--study", study, "--trials", str(trials),
               "--n-train", "300", "--epochs", "1", "--worker", str(worker),
               "--sampler", sampler]
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


def check_every_trial_finished_once(url, study, n_trials):
    trials = optuna.load_study(study_name=study, storage=url).trials
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == n_trials
    assert len({t.number for t in trials}) == len(trials)  # no trial stored twice
    drawn = [tuple(sorted(t.params.items())) for t in finished]
    assert len(set(drawn)) == len(drawn)  # no worker repeated another's configuration
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
    drawn = [tuple(sorted(t.params.items())) for t in after]
    assert len(set(drawn)) == len(drawn)  # the restarted worker drew new configurations
    interrupted = [t for t in optuna.load_study(study_name=study, storage=url).trials
                   if t.state not in FINISHED]
    assert len(interrupted) <= 1  # at most the trial that was running at the kill


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_two_workers_share_one_sqlite_study(tmp_path, sampler):
    url, study = f"sqlite:///{tmp_path / 'shared.db'}", "zwei-worker"
    workers = [start_worker(url, study, 12, worker, sampler) for worker in range(2)]
    for worker in workers:
        wait(worker)
    check_every_trial_finished_once(url, study, 12)


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
    workers = [start_worker(postgres_url, study, 12, worker) for worker in range(2)]
    for worker in workers:
        wait(worker)
    check_every_trial_finished_once(postgres_url, study, 12)


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
    budget = max(spent_images(s) for runs in studies.values() for s in runs)
    table = budget_table(studies, budget)
    assert list(table.columns) == ["Mittel", "Streuung", "Minimum", "Maximum", "Versuche",
                                   "davon abgebrochen"]
    html = style_budget_table(table).to_html()
    assert BEST_CELL.split(";")[1].strip() in html  # dark text on the light green
    assert "failed" not in html and "status" not in html.lower() and "." not in (
        table.loc["TPE"].map(lambda v: f"{v:.1f}".replace(".", ",")).str.cat())
    ax = plot_budget(studies, budget)
    assert ax.get_xlabel().startswith("Arbeit") and "." not in ax.get_yticklabels()[1].get_text()
    for line in ax.get_lines():  # the mean best-so-far never dips
        assert np.all(np.diff(line.get_ydata()) >= 0)
    history = german_history(studies["TPE"][0])
    assert history.get_xlabel() == "Versuch" and history.get_title() == "Verlauf der Suche"
    with pytest.raises(ValueError, match="mindestens 5 Versuche"):
        german_importances(studies["TPE"][0])  # 4 trials: too few for PED-ANOVA


def test_ped_anova_on_a_pooled_study_finds_the_parameter_that_matters():
    import matplotlib

    matplotlib.use("Agg")
    from codes.hpo_plots import german_importances, german_slice, pooled_study

    def lr_matters(trial):  # only the learning rate decides; the best is near 10^-3
        return -abs(np.log10(suggest(trial, "mlp")["lr"]) + 3)

    studies = []
    for seed in range(3):
        study = optuna.create_study(direction="maximize",
                                    sampler=optuna.samplers.RandomSampler(seed=seed))
        study.optimize(lr_matters, n_trials=20)
        studies.append(study)
    pool = pooled_study(studies)
    assert len(pool.trials) == 60
    ax = german_importances(pool)
    assert "besten 10 %" in ax.get_xlabel() and "Streuung" not in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "lr"  # Optuna draws the most important parameter at the top
    assert all("." not in text.get_text() for text in ax.texts)
    axes = german_slice(studies[0], ["lr", "hidden_size"])
    colorbar = axes[0].figure.axes[-1]
    ticks = [t for t in colorbar.get_yticks() if colorbar.get_ylim()[0] <= t <= colorbar.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
