# Baselines on the same split, and the comparison of the chosen network with
# them: accuracy, F1, ROC AUC, calibration, accuracy by review length.


rule baselines:
    input:
        reviews="results/split/reviews.parquet",
    output:
        predictions="results/baselines/predictions.parquet",
        report="results/baselines/report.json",
    log:
        "results/logs/baselines.log",
    benchmark:
        "results/benchmarks/baselines.tsv"
    params:
        settings=config["baselines"],
    threads: job_threads("baselines")
    resources:
        **job_resources("baselines"),
    conda:
        CONDA_ENV
    script:
        "../scripts/baselines.py"


rule evaluate_models:
    input:
        predictions="results/model/predictions.parquet",
        test_metrics="results/model/test_metrics.json",
        choice="results/model/choice.json",
        baselines="results/baselines/predictions.parquet",
        baseline_report="results/baselines/report.json",
        # every model of the sweep, for the row of their averaged probabilities
        sweep_predictions=model_files("predictions.parquet"),
        sweep_metrics=model_files("test_metrics.json"),
    output:
        comparison=report(
            "results/model/comparison.csv",
            caption="../report/comparison.rst",
            category="Model",
        ),
        calibration="results/model/calibration.csv",
        by_length="results/model/accuracy_by_length.csv",
        reliability=report(
            "results/plots/reliability.png",
            caption="../report/comparison.rst",
            category="Model",
        ),
        by_length_plot=report(
            "results/plots/accuracy_by_length.png",
            caption="../report/comparison.rst",
            category="Model",
        ),
    log:
        "results/logs/evaluate_models.log",
    benchmark:
        "results/benchmarks/evaluate_models.tsv"
    threads: job_threads("evaluate_models")
    resources:
        **job_resources("evaluate_models"),
    conda:
        CONDA_ENV
    script:
        "../scripts/evaluate_models.py"
