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
        association="results/bias/embedding_association.csv",
        groups="results/bias/template_scores.csv",
        sentences="results/bias/template_sentences.csv",
        representation="results/bias/representation.csv",
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
