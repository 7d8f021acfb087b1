# Text cleaning, the split, the vocabulary and the embedding matrix.


rule clean_reviews:
    input:
        reviews=reviews_download(),
    output:
        reviews="results/clean/reviews.parquet",
        report="results/clean/reviews_report.json",
    log:
        "results/logs/clean_reviews.log",
    benchmark:
        "results/benchmarks/clean_reviews.tsv"
    params:
        digests=source_params("reviews")["digests"],
        reviews_format=config["reviews_format"],
        repair_encoding=config["repair_encoding"],
        stopwords=config["stopwords"],
        extra_stopwords=config["extra_stopwords"],
    threads: job_threads("clean_reviews")
    resources:
        **job_resources("clean_reviews"),
    conda:
        CONDA_ENV
    script:
        "../scripts/clean_reviews.py"


rule split_reviews:
    input:
        reviews="results/clean/reviews.parquet",
    output:
        reviews="results/split/reviews.parquet",
        report="results/split/report.json",
    log:
        "results/logs/split_reviews.log",
    benchmark:
        "results/benchmarks/split_reviews.tsv"
    params:
        valid_fraction=config["valid_fraction"],
        test_fraction=config["test_fraction"],
        seed=config["split_seed"],
    threads: job_threads("split_reviews")
    resources:
        **job_resources("split_reviews"),
    conda:
        CONDA_ENV
    script:
        "../scripts/split_reviews.py"


rule build_vocabulary:
    input:
        reviews="results/split/reviews.parquet",
    output:
        vocab="results/vocab/vocab.tsv",
    log:
        "results/logs/build_vocabulary.log",
    benchmark:
        "results/benchmarks/build_vocabulary.tsv"
    params:
        min_count=config["min_count"],
        max_vocab=config["max_vocab"],
    threads: job_threads("build_vocabulary")
    resources:
        **job_resources("build_vocabulary"),
    conda:
        CONDA_ENV
    script:
        "../scripts/build_vocabulary.py"


rule build_embeddings:
    input:
        vocab="results/vocab/vocab.tsv",
        vectors="data/glove/vectors.npy",
        words="data/glove/words.parquet",
        info="data/glove/info.json",
    output:
        matrix="results/embeddings/matrix.npy",
        coverage="results/embeddings/coverage.json",
    log:
        "results/logs/build_embeddings.log",
    benchmark:
        "results/benchmarks/build_embeddings.tsv"
    params:
        embedding_dim=config["embedding_dim"],
        oov_scale=config["oov_scale"],
        seed=config["embedding_seed"],
    threads: job_threads("build_embeddings")
    resources:
        **job_resources("build_embeddings"),
    conda:
        CONDA_ENV
    script:
        "../scripts/build_embeddings.py"


rule clean_speeches:
    input:
        speeches="data/raw/speeches.csv",
    output:
        speeches="results/clean/speeches.parquet",
    log:
        "results/logs/clean_speeches.log",
    benchmark:
        "results/benchmarks/clean_speeches.tsv"
    params:
        digests=source_params("speeches")["digests"],
        repair_encoding=config["repair_encoding"],
    threads: job_threads("clean_speeches")
    resources:
        **job_resources("clean_speeches"),
    conda:
        CONDA_ENV
    script:
        "../scripts/clean_speeches.py"
