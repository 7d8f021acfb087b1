# Training the from-scratch recurrent network and plotting its curves.


rule train_model:
    input:
        reviews="results/split/reviews.parquet",
        vocab="results/vocab/vocab.tsv",
        matrix="results/embeddings/matrix.npy",
    output:
        params="results/model/params.npz",
        history="results/model/history.csv",
        test_metrics=report(
            "results/model/test_metrics.json",
            caption="../report/test_metrics.rst",
            category="Model",
        ),
    log:
        "results/logs/train_model.log",
    benchmark:
        "results/benchmarks/train_model.tsv"
    params:
        checkpoint="results/model/checkpoint.npz",
        max_len=config["max_len"],
        truncate=config["truncate"],
        max_train_reviews=config["max_train_reviews"],
        training={
            key: config[key]
            for key in (
                "cell", "layers", "bidirectional", "hidden_size", "head", "epochs",
                "batch_size", "optimizer", "learning_rate", "clip_norm", "patience",
                "seed", "train_embeddings", "device", "dtype", "flush_subnormals",
                "batch_slices",
            )
        },
    threads: job_threads("train_model")
    resources:
        **job_resources("train_model"),
    conda:
        CONDA_ENV
    script:
        "../scripts/train_model.py"


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
