"""Each log format read from small files in the shapes the real tools write."""

from __future__ import annotations

import math

import pytest

from preflight.curves.readers import read_run
from preflight.errors import ConfigError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_ultralytics_padded_header(tmp_path):
    p = write(tmp_path, "results.csv",
              "                  epoch,         train/box_loss,         train/cls_loss,"
              "       metrics/mAP50(B),    metrics/mAP50-95(B),           val/box_loss,"
              "           val/cls_loss,                 lr/pg0\n"
              "                      1,                 1.5,                 2.0,"
              "                0.1,                0.05,                 1.6,                 2.1,  0.01\n"
              "                      2,                 1.0,                 1.5,"
              "                0.3,                0.15,                 1.2,                 1.9,  0.01\n")
    run = read_run(p)
    assert run.format == "ultralytics_results_csv"
    assert run.epochs == [1, 2]
    assert run.train_loss == [3.5, 2.5]
    assert run.val_loss == pytest.approx([3.7, 3.1])
    assert run.metric_col == "metrics/mAP50-95(B)" and run.metric50_col == "metrics/mAP50(B)"
    assert "lr/pg0" not in run.columns


def test_yolov5_results_txt_three_and_four_losses(tmp_path):
    three = ("     0/99     1.27G   0.06762   0.09567         0    0.1633       130       480"
             "    0.5665    0.5082    0.5168    0.1922   0.06302   0.06385         0\n"
             "     1/99     1.22G   0.06373   0.09828         0     0.162       164       480"
             "    0.5876    0.5277    0.5381    0.2045    0.0626   0.06337         0\n")
    run = read_run(write(tmp_path, "a.txt", three))
    assert run.format == "yolov5_results_txt" and run.epochs == [0, 1]
    assert run.train_loss == pytest.approx([0.06762 + 0.09567, 0.06373 + 0.09828])
    assert run.columns["metrics/mAP_0.5:0.95"] == [0.1922, 0.2045]
    assert len(run.val_loss_cols) == 3
    four = ("     0/299     12.8G   0.07049   0.03274         0    0.1888     0.292         5"
            "      1280         0         0         0         0    0.1239   0.02411         0\n"
            "     1/299     18.3G    0.0549   0.03112         0   0.07686    0.1629         7"
            "      1280     0.019     0.932     0.219   0.03139   0.04968   0.04537         0\n")
    run = read_run(write(tmp_path, "b.txt", four))
    assert len(run.train_loss_cols) == 4
    assert run.train_loss[0] == pytest.approx(0.292, abs=1e-4)  # the four parts sum to the logged total
    assert run.columns["metrics/mAP_0.5"] == [0, 0.219]


def test_lightning_interleaved_rows_and_blank_cells(tmp_path):
    p = write(tmp_path, "metrics.csv",
              "epoch,step,train_loss_step,train_loss_epoch,val_loss,val_acc\n"
              "0,9,2.5,,,\n0,19,2.1,,,\n0,19,,,2.0,0.3\n0,19,,2.2,,\n"
              "1,29,1.7,,,\n1,39,1.5,,,\n1,39,,,1.6,0.5\n1,39,,1.6,,\n")
    run = read_run(p)
    assert run.format == "lightning_metrics_csv"
    assert run.epochs == [0, 1]
    assert run.train_loss_cols == ["train_loss_epoch"]
    assert run.train_loss == [2.2, 1.6]
    assert run.val_loss == [2.0, 1.6]
    assert run.metric_col == "val_acc"
    assert run.nonfinite == {}  # blank cells are "not logged", not NaN losses


def test_keras_csvlogger(tmp_path):
    run = read_run(write(tmp_path, "log.csv",
                         "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n"
                         "0,0.8,0.001,0.5,0.85,0.45\n1,0.9,0.001,0.3,0.88,0.40\n"))
    assert run.format == "keras_csvlogger"
    assert run.train_loss == [0.5, 0.3] and run.val_loss == [0.45, 0.40]
    assert run.metric_col == "val_accuracy"


def test_plain_csv_with_epoch_and_loss(tmp_path):
    run = read_run(write(tmp_path, "x.csv", "epoch;train_loss;valid_loss\n1;1.0;1.2\n2;0.5;0.9\n"))
    assert run.train_loss == [1.0, 0.5] and run.val_loss == [1.2, 0.9]


def test_literal_nan_is_recorded(tmp_path):
    run = read_run(write(tmp_path, "n.csv", "epoch,loss\n1,1.0\n2,nan\n3,inf\n"))
    assert run.nonfinite == {"loss": [1, 2]}
    assert math.isinf(run.train_loss[2])


@pytest.mark.parametrize("text,needle", [
    ("", "empty file"),
    ("   \n\n", "empty file"),
    ("epoch,acc\n1,0.5\n2,0.6\n", "no loss column"),
    ("step,loss\n1,0.5\n", "no 'epoch' column"),
    ("epoch,loss\n", "no epochs"),
    ("     0/99     garbage\n", "results.txt"),
])
def test_bad_inputs_raise_config_error(tmp_path, text, needle):
    with pytest.raises(ConfigError, match=needle):
        read_run(write(tmp_path, "bad.csv", text))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        read_run(tmp_path / "nope.csv")
