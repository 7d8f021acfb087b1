# Measured bias: word vectors, model outputs and the training data.


rule measure_bias:
    input:
        terms=project_file(config["bias_terms"]),
        vectors="data/glove/vectors.npy",
        words="data/glove/words.parquet",
        params="results/model/params.npz",
        vocab="results/vocab/vocab.tsv",
        reviews="results/split/reviews.parquet",
    output:
        association=report(
            "results/bias/embedding_association.csv",
            caption="../report/bias.rst",
            category="Bias",
        ),
        groups=report(
            "results/bias/template_scores.csv",
            caption="../report/bias.rst",
            category="Bias",
        ),
        sentences="results/bias/template_sentences.csv",
        representation=report(
            "results/bias/representation.csv",
            caption="../report/bias.rst",
            category="Bias",
        ),
    log:
        "results/logs/measure_bias.log",
    benchmark:
        "results/benchmarks/measure_bias.tsv"
    params:
        stopwords=config["stopwords"],
        extra_stopwords=config["extra_stopwords"],
        device=config["device"],
    threads: job_threads("measure_bias")
    resources:
        **job_resources("measure_bias"),
    conda:
        CONDA_ENV
    script:
        "../scripts/measure_bias.py"
