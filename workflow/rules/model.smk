# Training the from-scratch recurrent network: one job per point of the sweep
# grid (the one point `default` without a grid), the choice of the model with
# the best validation accuracy, and plots.


rule train_model:
    input:
        reviews="results/split/reviews.parquet",
        vocab="results/vocab/vocab.tsv",
        matrix="results/embeddings/matrix.npy",
    output:
        params="results/models/{model}/params.npz",
        history="results/models/{model}/history.csv",
        test_metrics="results/models/{model}/test_metrics.json",
        predictions="results/models/{model}/predictions.parquet",
    log:
        "results/logs/train_model/{model}.log",
    benchmark:
        "results/benchmarks/train_model/{model}.tsv"
    wildcard_constraints:
        model=MODEL_PATTERN,
    params:
        checkpoint=lambda wildcards: f"results/models/{wildcards.model}/checkpoint.npz",
        max_len=point_setting("max_len"),
        truncate=point_setting("truncate"),
        max_train_reviews=config["max_train_reviews"],
        training=training_settings,
    threads: job_threads("train_model")
    resources:
        **job_resources("train_model"),
    conda:
        CONDA_ENV
    script:
        "../scripts/train_model.py"


rule select_model:
    input:
        params=model_files("params.npz"),
        history=model_files("history.csv"),
        test_metrics=model_files("test_metrics.json"),
        predictions=model_files("predictions.parquet"),
    output:
        params="results/model/params.npz",
        history="results/model/history.csv",
        test_metrics=report(
            "results/model/test_metrics.json",
            caption="../report/test_metrics.rst",
            category="Model",
        ),
        predictions="results/model/predictions.parquet",
        choice="results/model/choice.json",
        summary=report(
            "results/sweep/summary.csv",
            caption="../report/sweep.rst",
            category="Sweep",
        ),
        seeds=report(
            "results/sweep/seeds.csv",
            caption="../report/sweep.rst",
            category="Sweep",
        ),
    log:
        "results/logs/select_model.log",
    benchmark:
        "results/benchmarks/select_model.tsv"
    params:
        models=list(MODELS),
        overrides=MODELS,
        grid=config["sweep"],
    threads: job_threads("select_model")
    resources:
        **job_resources("select_model"),
    conda:
        CONDA_ENV
    script:
        "../scripts/select_model.py"


rule plot_sweep:
    input:
        summary="results/sweep/summary.csv",
    output:
        plot=report(
            "results/plots/sweep.png",
            caption="../report/sweep.rst",
            category="Sweep",
        ),
    log:
        "results/logs/plot_sweep.log",
    benchmark:
        "results/benchmarks/plot_sweep.tsv"
    threads: job_threads("plot_sweep")
    resources:
        **job_resources("plot_sweep"),
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_sweep.py"


rule plot_training:
    input:
        history="results/model/history.csv",
    output:
        plot=report(
            "results/plots/training_curves.png",
            caption="../report/training_curves.rst",
            category="Model",
        ),
    log:
        "results/logs/plot_training.log",
    benchmark:
        "results/benchmarks/plot_training.tsv"
    threads: job_threads("plot_training")
    resources:
        **job_resources("plot_training"),
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_training.py"
