"""Grid and random search: enumeration, failures, resume, reproducibility, bad input."""

import functools
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from codes.grid_search import (
    LogUniform,
    Uniform,
    best_params,
    fit_final,
    grid,
    grid_search,
    grid_size,
    load_results,
    plot_scores,
    random_search,
    results_table,
    run_key,
    run_search,
    sample,
)
from codes.torch_mlp import BasicMLP

SPACE = {"width": [2, 4, 8], "depth": [1, 2], "lr": [1e-3, 1e-2]}


def make_model(width, depth):
    """A tiny stand-in model: the factory only has to return a torch module."""
    return nn.Sequential(*[nn.Linear(width, width) for _ in range(depth)])


class FakeTrain:
    """A train_fn without training: a made-up score from the parameters, calls counted."""

    def __init__(self, fail_when=None):
        self.calls, self.fail_when = [], fail_when or (lambda model, lr: False)

    def __call__(self, model, data, *, seed, device, lr=1e-3):
        self.calls.append(lr)
        if self.fail_when(model, lr):
            raise RuntimeError("Verlust ist NaN")
        width = model[0].in_features
        return {"val_acc": 0.5 + width / 100 - lr, "val_loss": 1.0 / width}


def search(space=SPACE, **options):
    options.setdefault("train_fn", FakeTrain())
    return grid_search(make_model, space, data=None, progress=False, **options)


def test_grid_is_the_product_of_the_choices():
    combos = grid(SPACE)
    assert len(combos) == grid_size(SPACE) == 3 * 2 * 2
    assert len({run_key(c) for c in combos}) == len(combos)  # every combination once
    assert {(c["width"], c["depth"], c["lr"]) for c in combos} == {
        (w, d, lr) for w in [2, 4, 8] for d in [1, 2] for lr in [1e-3, 1e-2]}


def test_search_returns_one_row_per_combination_with_metrics():
    results = search()
    assert len(results) == 12
    assert list(results.columns[:3]) == ["width", "depth", "lr"]
    assert {"val_acc", "val_loss", "n_params", "seconds", "seed", "status", "error"} <= set(
        results.columns)
    assert (results["status"] == "ok").all()
    row = results[(results.width == 4) & (results.depth == 2)].iloc[0]
    assert row.n_params == 2 * (4 * 4 + 4)  # two Linear(4, 4) layers
    assert best_params(results, list(SPACE)) == {"width": 8, "depth": 1, "lr": 1e-3}


def test_a_failing_combination_is_recorded_and_the_search_goes_on(capsys):
    train = FakeTrain(fail_when=lambda model, lr: model[0].in_features == 4 and lr == 1e-2)
    results = grid_search(make_model, SPACE, None, train_fn=train)
    failed = results[results.status == "failed"]
    assert len(train.calls) == 12 and len(failed) == 2  # depth 1 and 2
    assert (failed.width == 4).all() and failed.error.str.contains("RuntimeError: Verlust").all()
    assert failed.val_acc.isna().all()
    assert (results[results.status == "ok"].val_acc.notna()).all()
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 12 and out[0].startswith("[1/12] width=2, depth=1, lr=0.001 … Validierung")
    assert sum("fehlgeschlagen: RuntimeError" in line for line in out) == 2


def test_a_factory_that_raises_counts_as_failed_run():
    results = search({"width": [2, -1], "depth": [1]})
    assert list(results.status) == ["ok", "failed"]


def test_resume_skips_finished_runs_and_retries_failed_ones(tmp_path):
    path = tmp_path / "runs.jsonl"
    first = FakeTrain(fail_when=lambda model, lr: lr == 1e-2)
    search({"width": [2, 4], "depth": [1], "lr": [1e-3, 1e-2]}, train_fn=first, results_file=path)
    assert len(first.calls) == 4 and len(path.read_text().splitlines()) == 4
    # A bigger grid on the same file: only the new and the failed runs are trained.
    second = FakeTrain()
    results = search(SPACE, train_fn=second, results_file=path)
    assert len(second.calls) == 12 - 2
    assert (results.status == "ok").all() and len(results) == 12
    third = FakeTrain()
    again = search(SPACE, train_fn=third, results_file=path)
    assert third.calls == []
    pd.testing.assert_frame_equal(again, results)


def test_interrupted_search_keeps_the_finished_runs(tmp_path):
    path = tmp_path / "runs.jsonl"

    def interrupt(model, data, *, seed, device, lr):
        if model[0].in_features == 8:
            raise KeyboardInterrupt  # not an Exception: ends the search
        return {"val_acc": 0.9}

    with pytest.raises(KeyboardInterrupt):
        search(train_fn=interrupt, results_file=path)
    assert len(load_results(path, list(SPACE))) == 8  # widths 2 and 4 finished
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_corrupt_or_foreign_results_file_gives_clear_error(tmp_path):
    path = tmp_path / "runs.jsonl"
    search(results_file=path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:3], lines[3][:20], *lines[4:]]) + "\n")
    with pytest.raises(ValueError, match="beschädigt: Zeile 4"):
        search(results_file=path)
    path.write_text(json.dumps({"width": 2, "status": "ok"}) + "\n")
    with pytest.raises(ValueError, match="passt nicht zu dieser Suche"):
        search(results_file=path)


@pytest.fixture
def one_thread():
    """Tiny models train faster on one CPU thread (no thread synchronisation)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_same_seed_gives_identical_results_with_real_training(one_thread):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(96, 6, generator=generator)
    y = (x[:, 0] > 0).long()
    data = (x[:64], y[:64], x[64:], y[64:])
    factory = functools.partial(BasicMLP, input_size=6, num_classes=2)
    space = {"hidden_sizes": [[8], [8, 4]], "dropout": [0.0, 0.2], "lr": [1e-2],
             "batch_size": [16], "epochs": [2]}

    def run():
        results = grid_search(factory, space, data, device="cpu", seed=3, progress=False)
        return results.drop(columns="seconds")

    first, second = run(), run()
    assert (first.status == "ok").all()
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert first.val_acc.between(0, 1).all() and first.best_epoch.isin([1, 2]).all()
    assert first.hidden_sizes.tolist() == [(8,), (8,), (8, 4), (8, 4)]
    # The final model trains from the same seed: also reproducible.
    weights = [fit_final(factory, best_params(first, list(space)), x, y, epochs=1,
                         device="cpu").network[0].weight for _ in range(2)]
    assert torch.equal(*weights)


def test_random_search_respects_budget_and_space():
    space = {"width": [2, 4, 8], "depth": [1, 2], "lr": LogUniform(1e-4, 1e-1)}
    train = FakeTrain()
    results = random_search(make_model, space, None, n_runs=5, seed=1, train_fn=train,
                            progress=False)
    assert len(results) == len(train.calls) == 5
    assert results.width.isin([2, 4, 8]).all() and results.depth.isin([1, 2]).all()
    assert results.lr.between(1e-4, 1e-1).all() and results.lr.nunique() == 5
    assert sample(space, 5, seed=1) == sample(space, 5, seed=1)  # the draw is reproducible
    assert sample(space, 5, seed=1) != sample(space, 5, seed=2)


def test_random_search_on_lists_draws_distinct_grid_points():
    combos = sample(SPACE, 12, seed=0)
    assert sorted(map(run_key, combos)) == sorted(map(run_key, grid(SPACE)))
    with pytest.raises(ValueError, match="größer als das ganze Gitter"):
        sample(SPACE, 13)


@pytest.mark.parametrize("space, message", [
    ({}, "nicht leeres dict"),
    ({"width": []}, "nicht leere Liste"),
    ({"width": 4}, "nicht leere Liste"),
    ({"width": [2, 2]}, "Doppelte"),
    ({"width": Uniform(1, 4)}, "nur mit random_search"),
    ({"status": [1]}, "Ungültiger Parametername"),
])
def test_bad_spaces_give_clear_errors(space, message):
    with pytest.raises(ValueError, match=message):
        search(space)


def test_unknown_parameter_for_the_factory_gives_clear_error():
    train = FakeTrain()
    with pytest.raises(ValueError, match=r"kennt die Parameter \['hidden'\] nicht"):
        search({"width": [2], "hidden": [3], "lr": [1e-3]}, train_fn=train)
    assert train.calls == []  # checked before anything is trained


def test_empty_list_of_combinations_gives_clear_error():
    with pytest.raises(ValueError, match="keine Kombination"):
        run_search(make_model, [], None, train_fn=FakeTrain())


def test_bad_distributions_and_budgets_give_clear_errors():
    with pytest.raises(ValueError, match="low < high"):
        Uniform(1.0, 0.5)
    with pytest.raises(ValueError, match="low > 0"):
        LogUniform(0.0, 1.0)
    with pytest.raises(ValueError, match="n_runs"):
        sample(SPACE, 0)


def test_table_and_plot_show_every_successful_run():
    results = search(train_fn=FakeTrain(fail_when=lambda model, lr: lr == 1e-2))
    html = results_table(results).to_html()
    assert html.count("<tr>") == 1 + 12 and "RuntimeError" in html
    fig = plot_scores(results, list(SPACE))
    plotted = [ax.collections[0].get_offsets() for ax in fig.axes if ax.get_visible()]
    assert len(plotted) == 3 and all(len(points) == 6 for points in plotted)
    assert not math.isnan(float(np.asarray(plotted[0]).sum()))
