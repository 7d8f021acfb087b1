# Inputs: fetched from their addresses, or copied from the mirror folder,
# and checked against their sha256 either way. The mirror is read from the
# config inside the script, not passed as a param: where the same bytes come
# from must not make Snakemake redo everything downstream.


rule download_reviews:
    output:
        reviews=reviews_download(),
    log:
        "results/logs/download_reviews.log",
    benchmark:
        "results/benchmarks/download_reviews.tsv"
    params:
        source=source_params("reviews")["source"],
    threads: job_threads("download_reviews")
    resources:
        **job_resources("download_reviews"),
    conda:
        CONDA_ENV
    script:
        "../scripts/download.py"


rule download_speeches:
    output:
        speeches="data/raw/speeches.csv",
    log:
        "results/logs/download_speeches.log",
    benchmark:
        "results/benchmarks/download_speeches.tsv"
    params:
        source=source_params("speeches")["source"],
    threads: job_threads("download_speeches")
    resources:
        **job_resources("download_speeches"),
    conda:
        CONDA_ENV
    script:
        "../scripts/download.py"


rule download_glove:
    output:
        glove="data/raw/glove.{suffix}",
    log:
        "results/logs/download_glove_{suffix}.log",
    benchmark:
        "results/benchmarks/download_glove_{suffix}.tsv"
    params:
        source=source_params("glove")["source"] if config["glove"] else None,
    wildcard_constraints:
        suffix="txt|zip",
    threads: job_threads("download_glove")
    resources:
        **job_resources("download_glove"),
    conda:
        CONDA_ENV
    script:
        "../scripts/download.py"


rule prepare_glove:
    input:
        glove=glove_download(),
    output:
        vectors="data/glove/vectors.npy",
        words="data/glove/words.parquet",
        info="data/glove/info.json",
    log:
        "results/logs/prepare_glove.log",
    benchmark:
        "results/benchmarks/prepare_glove.tsv"
    params:
        kind=config["glove_source"],
        settings=glove_settings(),
    threads: job_threads("prepare_glove")
    resources:
        **job_resources("prepare_glove"),
    conda:
        CONDA_ENV
    script:
        "../scripts/prepare_glove.py"
